import PlumbAgentKit
import PlumbHTTPClient
import PlumbModel
import XCTest

/// The poll loop's decisions, event by event.
final class PollLoopTests: XCTestCase {
    private func document(_ generation: Int64) throws -> HostDesiredState {
        HostDesiredState(host: "hv1", generation: generation, vtep: .init(localIp: try XCTUnwrap(IPv4Address("198.18.0.1"))))
    }

    /// Full jitter drawing the top of every interval: delays are exactly base · 2^n.
    private func loop() -> PollLoop {
        PollLoop(backoff: Backoff(base: .milliseconds(100), cap: .seconds(1), jitter: .full), random: FixedRandom([.max]))
    }

    func testStartsWithoutAGenerationThenPollsAfterWhatItApplied() throws {
        var loop = loop()
        XCTAssertEqual(loop.handle(.start), .poll(after: nil))
        let doc = try document(3)
        XCTAssertEqual(loop.handle(.received(doc)), .apply(doc))
        let report = HostStatusReport(appliedGeneration: 3)
        XCTAssertEqual(loop.handle(.applied(report)), .report(report))
        XCTAssertEqual(loop.appliedGeneration, 3)
        XCTAssertEqual(loop.handle(.reported), .poll(after: 3))
        XCTAssertEqual(loop.handle(.notModified), .poll(after: 3))
        let next = try document(4)
        XCTAssertEqual(loop.handle(.received(next)), .apply(next))
    }

    func testUnreachableControllerBacksOffAndChangesNothing() throws {
        var loop = loop()
        _ = loop.handle(.start)
        _ = loop.handle(.received(try document(5)))
        _ = loop.handle(.applied(HostStatusReport(appliedGeneration: 5)))
        _ = loop.handle(.reported)

        var actions: [PollLoop.Action] = []
        for failure in [PollLoop.Failure.transport("refused"), .status(503, "down"), .status(500, "oops"), .transport("timeout")] {
            actions.append(loop.handle(.pollFailed(failure)))
            actions.append(loop.handle(.slept))
        }
        XCTAssertEqual(actions, [.sleep(.milliseconds(100)), .poll(after: 5), .sleep(.milliseconds(200)), .poll(after: 5),
                                 .sleep(.milliseconds(400)), .poll(after: 5), .sleep(.milliseconds(800)), .poll(after: 5)])

        // The controller answers again: the backoff starts over.
        XCTAssertEqual(loop.handle(.notModified), .poll(after: 5))
        XCTAssertEqual(loop.handle(.pollFailed(.transport("refused"))), .sleep(.milliseconds(100)))
    }

    func testRefusedTokenStopsTheAgent() {
        var loop = loop()
        _ = loop.handle(.start)
        guard case .fail(let message) = loop.handle(.pollFailed(.status(401, "unauthorized: bad token"))) else {
            return XCTFail("a 401 must stop the agent")
        }
        XCTAssertTrue(message.contains("HTTP 401") && message.contains("token"), message)
        var other = self.loop()
        _ = other.handle(.start)
        XCTAssertEqual(other.handle(.pollFailed(.status(404, "no such host"))), .sleep(.milliseconds(100)),
                       "an unknown host may be declared later: retry")
    }

    func testFailedReportIsRetriedWithoutApplyingAgain() throws {
        var loop = loop()
        _ = loop.handle(.start)
        _ = loop.handle(.received(try document(2)))
        let report = HostStatusReport(appliedGeneration: 2, errors: [.init(item: "vf enp1s0/3", message: "802.1ad refused")])
        XCTAssertEqual(loop.handle(.applied(report)), .report(report))
        XCTAssertEqual(loop.handle(.reportFailed(.transport("refused"))), .sleep(.milliseconds(100)))
        XCTAssertEqual(loop.handle(.slept), .report(report))
        guard case .fail = loop.handle(.reportFailed(.status(403, "forbidden"))) else {
            return XCTFail("a 403 on the report must stop the agent")
        }
    }

    func testItemErrorsAreRetriedWhenNothingNewArrives() throws {
        var loop = loop()
        _ = loop.handle(.start)
        let doc = try document(7)
        _ = loop.handle(.received(doc))
        _ = loop.handle(.applied(HostStatusReport(appliedGeneration: 7, errors: [.init(item: "tap t1", message: "busy")])))
        XCTAssertEqual(loop.handle(.reported), .poll(after: 7))
        XCTAssertEqual(loop.handle(.notModified), .apply(doc))
        _ = loop.handle(.applied(HostStatusReport(appliedGeneration: 7)))
        XCTAssertEqual(loop.handle(.reported), .poll(after: 7))
        XCTAssertEqual(loop.handle(.notModified), .poll(after: 7), "a clean apply is not repeated")
    }

    func testWholeApplyFailureRefetchesAfterBackoff() throws {
        var loop = loop()
        _ = loop.handle(.start)
        _ = loop.handle(.received(try document(1)))
        _ = loop.handle(.applied(HostStatusReport(appliedGeneration: 1)))
        _ = loop.handle(.reported)
        let doc = try document(2)
        _ = loop.handle(.received(doc))
        XCTAssertEqual(loop.handle(.applyFailed("netlink: operation not permitted")), .sleep(.milliseconds(100)))
        XCTAssertEqual(loop.appliedGeneration, 1)
        XCTAssertEqual(loop.handle(.slept), .poll(after: 1), "the newer document comes back at once")
        XCTAssertEqual(loop.handle(.notModified), .apply(doc), "a failed document is retried even if nothing newer comes")
    }

    func testFailuresAreClassifiedFromClientErrors() {
        let transport = HTTPClientError(code: 7, message: "Couldn't connect to server", method: "GET", url: "http://127.0.0.1:1/")
        XCTAssertEqual(PollLoop.Failure(transport), .transport(transport.description))
        let api = APIError(status: 401, code: "unauthorized", message: "bad token")
        XCTAssertEqual(PollLoop.Failure(api), .status(401, api.description))
        let garbled = ControllerResponseError(method: "GET", path: "/v1/hosts/hv1/desired", status: 200, message: "not JSON")
        XCTAssertEqual(PollLoop.Failure(garbled), .invalidResponse(garbled.description))
    }

    func testPollWaitsAreJitteredWithinAQuarterBelowTheWait() {
        // The generator's extremes give the interval's ends.
        var low = PollLoop(pollWait: .seconds(60), random: FixedRandom([0]))
        XCTAssertEqual(low.nextPollWait(), .seconds(45))
        var high = PollLoop(pollWait: .seconds(60), random: FixedRandom([.max]))
        XCTAssertEqual(high.nextPollWait(), .seconds(60))
        // Varied draws stay within the interval, in whole seconds, and do spread.
        var loop = PollLoop(pollWait: .seconds(60), random: SeededRandom(state: 13))
        let waits = (0..<1000).map { _ in loop.nextPollWait() }
        XCTAssertTrue(waits.allSatisfy { $0 >= .seconds(45) && $0 <= .seconds(60) && $0.components.attoseconds == 0 })
        XCTAssertEqual(Set(waits).count, 16, "every whole second from 45 to 60 is drawn")
        // No jitter asked for, or a wait too short to shorten: the wait itself.
        var exact = PollLoop(pollWait: .seconds(30), pollWaitJitter: 0, random: FixedRandom([0]))
        XCTAssertEqual(exact.nextPollWait(), .seconds(30))
        var short = PollLoop(pollWait: .seconds(1), random: FixedRandom([0]))
        XCTAssertEqual(short.nextPollWait(), .seconds(1))
    }
}
