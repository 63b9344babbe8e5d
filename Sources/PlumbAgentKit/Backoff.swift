/// Retry delays that grow exponentially, with jitter, up to a cap; back to the start after a success.
///
/// Pure: the randomness comes from the generator passed to ``next(using:)``, so tests can drive it
/// with a deterministic one. A random value `r` from the generator is read as the fraction
/// `(r >> 11) / (2^53 - 1)` of the allowed interval: 0 gives its lower end, `UInt64.max` its upper end.
public struct Backoff: Sendable, Equatable {
    /// How the delay is drawn from the exponential ceiling.
    public enum Jitter: String, Sendable, Equatable, CaseIterable {
        /// Uniform in `0 ... min(cap, base · 2^n)` after the n-th consecutive failure (n from 0).
        case full
        /// Uniform in `base ... min(cap, 3 · previous delay)`, never below `base`.
        case decorrelated
    }

    /// The first ceiling (full jitter) or the smallest delay (decorrelated jitter).
    public let base: Duration
    /// No delay is longer than this.
    public let cap: Duration
    public let jitter: Jitter

    /// Consecutive failures since the last ``reset()``: how many delays ``next(using:)`` has handed out.
    public private(set) var failures = 0
    private var previousSeconds: Double

    /// - Precondition: `0 < base <= cap`.
    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(30), jitter: Jitter = .decorrelated) {
        precondition(base > .zero && base <= cap, "Backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.jitter = jitter
        previousSeconds = base.seconds
    }

    /// The delay before the next retry; each call counts one more failure.
    public mutating func next(using random: inout some RandomNumberGenerator) -> Duration {
        let baseSeconds = base.seconds
        let capSeconds = cap.seconds
        let lower: Double
        let upper: Double
        switch jitter {
        case .full:
            lower = 0
            // 2^n stops growing once the ceiling reaches the cap (and long before Double overflows).
            upper = min(capSeconds, baseSeconds * Double(sign: .plus, exponent: min(failures, 62), significand: 1))
        case .decorrelated:
            lower = baseSeconds
            upper = min(capSeconds, max(baseSeconds, previousSeconds * 3))
        }
        let fraction = Double(random.next() >> 11) / Double((UInt64(1) << 53) - 1)
        let delay = lower + fraction * (upper - lower)
        previousSeconds = delay
        failures += 1
        return .nanoseconds(Int64((delay * 1e9).rounded()))
    }

    /// The delay before the next retry, drawn with the system's random generator.
    public mutating func next() -> Duration {
        var random = SystemRandomNumberGenerator()
        return next(using: &random)
    }

    /// Starts over after a success: the next delay is drawn as after a first failure.
    public mutating func reset() {
        failures = 0
        previousSeconds = base.seconds
    }
}

fileprivate extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
