import PlumbAgentKit
import XCTest

/// A generator that hands out fixed values in turn (for exact expectations at the ends of the intervals).
struct FixedRandom: RandomNumberGenerator {
    var values: [UInt64]
    private var index = 0
    init(_ values: [UInt64]) { self.values = values }
    mutating func next() -> UInt64 {
        defer { index = (index + 1) % values.count }
        return values[index]
    }
}

/// SplitMix64: a small seeded generator, so the property tests see varied but repeatable values.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class BackoffTests: XCTestCase {
    func testFullJitterCeilingDoublesUpToTheCap() {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(1), jitter: .full)
        var highest = FixedRandom([.max])
        let delays = (0..<7).map { _ in backoff.next(using: &highest) }
        XCTAssertEqual(delays, [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                                .seconds(1), .seconds(1), .seconds(1)])
        XCTAssertEqual(backoff.failures, 7)
    }

    func testFullJitterLowestDrawIsZero() {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(1), jitter: .full)
        var lowest = FixedRandom([0])
        XCTAssertEqual((0..<3).map { _ in backoff.next(using: &lowest) }, [.zero, .zero, .zero])
    }

    func testDecorrelatedJitterGrowsFromThreeTimesThePreviousDelay() {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(2), jitter: .decorrelated)
        var highest = FixedRandom([.max])
        XCTAssertEqual((0..<5).map { _ in backoff.next(using: &highest) },
                       [.milliseconds(300), .milliseconds(900), .seconds(2), .seconds(2), .seconds(2)])
        var lowest = FixedRandom([0])
        var other = Backoff(base: .milliseconds(100), cap: .seconds(2), jitter: .decorrelated)
        XCTAssertEqual((0..<3).map { _ in other.next(using: &lowest) }, [.milliseconds(100), .milliseconds(100), .milliseconds(100)])
    }

    func testResetStartsOverAfterASuccess() {
        for jitter in Backoff.Jitter.allCases {
            var backoff = Backoff(base: .milliseconds(100), cap: .seconds(10), jitter: jitter)
            var highest = FixedRandom([.max])
            let first = backoff.next(using: &highest)
            for _ in 0..<5 { _ = backoff.next(using: &highest) }
            backoff.reset()
            XCTAssertEqual(backoff.failures, 0)
            XCTAssertEqual(backoff.next(using: &highest), first, "\(jitter)")
        }
    }

    func testDelaysStayInsideTheirIntervalAndVary() {
        for jitter in Backoff.Jitter.allCases {
            var backoff = Backoff(base: .milliseconds(50), cap: .seconds(5), jitter: jitter)
            var random = SeededRandom(state: 42)
            var previous = Duration.milliseconds(50)
            var seen = Set<Duration>()
            for attempt in 0..<200 {
                let delay = backoff.next(using: &random)
                switch jitter {
                case .full:
                    let ceiling = min(Duration.seconds(5), .milliseconds(50) * (1 << min(attempt, 20)))
                    XCTAssert(delay >= .zero && delay <= ceiling, "attempt \(attempt): \(delay) > \(ceiling)")
                case .decorrelated:
                    XCTAssert(delay >= .milliseconds(50) && delay <= min(.seconds(5), previous * 3), "attempt \(attempt): \(delay)")
                }
                previous = delay
                seen.insert(delay)
            }
            XCTAssertGreaterThan(seen.count, 100, "\(jitter) jitter must spread the delays")
        }
    }
}
