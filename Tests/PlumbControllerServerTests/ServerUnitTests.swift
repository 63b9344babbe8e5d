import Foundation
import PlumbController
@testable import PlumbControllerServer
import PlumbModel
import XCTest

/// The server's pure parts: token comparison and parsing, the access rules, long-poll parameters,
/// notification payloads, and the waiters' wake-ups.
final class ServerUnitTests: XCTestCase {
    func testConstantTimeComparisonAndBearerParsing() {
        let secret = Array("s3cret-token".utf8)
        XCTAssertTrue(Authenticator.constantTimeEqual(secret, Array("s3cret-token".utf8)))
        for other in ["s3cret-tokem", "s3cret-toke", "s3cret-token!", "", "S3cret-token"] {
            XCTAssertFalse(Authenticator.constantTimeEqual(secret, Array(other.utf8)), other)
        }
        // Lengths 256 apart differ even though their low bytes agree.
        XCTAssertFalse(Authenticator.constantTimeEqual([], Array(repeating: 0, count: 256)))
        XCTAssertEqual(Authenticator.bearerToken("Bearer abc"), "abc")
        XCTAssertEqual(Authenticator.bearerToken("bearer   abc "), "abc")
        XCTAssertEqual(Authenticator.bearerToken("Bearer \tabc\t "), "abc")
        XCTAssertNil(Authenticator.bearerToken("Basic abc"))
        XCTAssertNil(Authenticator.bearerToken("Bearer"))
        XCTAssertNil(Authenticator.bearerToken("Bearer "))
        XCTAssertNil(Authenticator.bearerToken(nil))
    }

    /// The access log's duration is what `String(format: "%.2f")` writes of it in milliseconds.
    func testAccessLogDurationsHaveTwoDecimals() {
        for duration: Duration in [.zero, .nanoseconds(4_999), .nanoseconds(5_000), .microseconds(123_456), .milliseconds(7),
                                   .seconds(30) + .microseconds(9_994), .seconds(1_000_000) + .nanoseconds(999_999_999)] {
            let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
            XCTAssertEqual(AccessLogMiddleware<ControllerRequestContext>.milliseconds(duration), String(format: "%.2f", milliseconds),
                           "\(duration)")
        }
    }

    func testAllowListsEveryMethodOfAPathUsualOnesFirst() {
        let routes = [Route(method: "PATCH", path: "/v1/facility"), Route(method: "PUT", path: "/v1/facility"),
                      Route(method: "GET", path: "/v1/facility")]
        XCTAssertEqual(Route.allowedMethods(routes), ["GET", "HEAD", "PUT", "PATCH"])
        XCTAssertEqual(Route.allowedMethods([Route(method: "QUERY", path: "/x"), Route(method: "POST", path: "/x")]), ["POST", "QUERY"])
    }

    func testAccessRules() {
        let hv0 = Caller.host(.hypervisor("hv0")), leaf0 = Caller.host(.leaf("leaf0"))
        XCTAssertTrue(Authenticator.allows(.ownHostReads(.hypervisor), hv0, pathName: "hv0"))
        XCTAssertFalse(Authenticator.allows(.ownHostReads(.hypervisor), hv0, pathName: "hv1"))
        XCTAssertFalse(Authenticator.allows(.ownHostReads(.leaf), hv0, pathName: "hv0"), "a hypervisor is no leaf of the same name")
        XCTAssertTrue(Authenticator.allows(.ownHostReads(.leaf), leaf0, pathName: "leaf0"))
        XCTAssertTrue(Authenticator.allows(.ownHostReports, leaf0, pathName: "leaf0"))
        XCTAssertFalse(Authenticator.allows(.ownHostReports, .cogs, pathName: "hv0"))
        XCTAssertTrue(Authenticator.allows(.ownHostReads(.hypervisor), .cogs, pathName: "hv0"))
        XCTAssertFalse(Authenticator.allows(.admin, .cogs, pathName: nil))
        XCTAssertFalse(Authenticator.allows(.cogs, hv0, pathName: nil))
        for access in [Access.admin, .cogs, .ownHostReads(.leaf), .ownHostReports] {
            XCTAssertTrue(Authenticator.allows(access, .admin, pathName: "x"))
            XCTAssertFalse(Authenticator.allows(access, .anonymous, pathName: "x"))
        }
    }

    func testLongPollParameters() throws {
        XCTAssertEqual(LongPoll(after: nil, wait: nil), LongPoll(after: nil, waitSeconds: 0))
        XCTAssertEqual(LongPoll(after: 7, wait: 30), LongPoll(after: 7, waitSeconds: 30))
        XCTAssertEqual(LongPoll(after: 0, wait: 100000), LongPoll(after: 0, waitSeconds: LongPoll.maximumWaitSeconds))
        XCTAssertTrue(LongPoll(after: nil, waitSeconds: 5).isAnsweredBy(generation: 0))
        XCTAssertTrue(LongPoll(after: 3, waitSeconds: 5).isAnsweredBy(generation: 4))
        XCTAssertFalse(LongPoll(after: 4, waitSeconds: 5).isAnsweredBy(generation: 4))
    }

    /// Typed path and query parameters are refused naming the parameter and saying what it takes.
    func testParameterRules() throws {
        for (field, value) in [("after", "0"), ("after", "9223372036854775807"), ("wait", "30"), ("vni", "-3"), ("kind", "leaf"),
                               ("format", "libvirt"), ("at", "2026-03-03T14:00:00Z"), ("at", "2026-03-03T14:00:00.5 01:00")] {
            XCTAssertNoThrow(try ParameterRule.byName[field]?.check(value, field: field), "\(field)=\(value)")
        }
        for (field, value, says) in [("after", "-1", "at least 0"), ("after", "x", "integer"), ("after", "1e3", "integer"),
                                     ("after", "", "integer"), ("after", "99999999999999999999", "integer"), ("wait", "1.5", "seconds"),
                                     ("wait", "-5", "at least 0"), ("vni", "x", "integer"), ("kind", "null", "hypervisor, leaf"),
                                     ("format", "pdf", "json, qemu, libvirt"), ("at", "yesterday", "2026-03-03T14:00:00Z")] {
            XCTAssertThrowsError(try ParameterRule.byName[field]?.check(value, field: field), "\(field)=\(value)") { error in
                XCTAssertEqual((error as? APIError)?.field, field)
                XCTAssertEqual((error as? APIError)?.status, 400)
                XCTAssertTrue((error as? APIError)?.message.contains(says) == true, "\(error)")
            }
        }
    }

    func testNotificationPayloads() {
        XCTAssertEqual(GenerationNotice(payload: "hypervisor:hv0:12"), GenerationNotice(host: .hypervisor("hv0"), generation: 12))
        XCTAssertEqual(GenerationNotice(payload: "leaf:a:b:3"), GenerationNotice(host: .leaf("a:b"), generation: 3))
        for bad in ["", "hypervisor:hv0", "switch:x:1", "leaf::1", "leaf:x:one", "leaf:x:"] {
            XCTAssertNil(GenerationNotice(payload: bad), bad)
        }
    }

    func testCompactPayloadsListManyHosts() {
        XCTAssertEqual(GenerationNotice.all(in: "hypervisor:hv0:12 leaf:a:b:3"),
                       [GenerationNotice(host: .hypervisor("hv0"), generation: 12), GenerationNotice(host: .leaf("a:b"), generation: 3)])
        XCTAssertEqual(GenerationNotice.all(in: "hypervisor:hv0:12"), [GenerationNotice(host: .hypervisor("hv0"), generation: 12)])
        XCTAssertNil(GenerationNotice.all(in: "hypervisor:hv0:12 switch:x:1"))
        XCTAssertNil(GenerationNotice.all(in: ""))
    }

    func testWaitersWakeOnTheirHostsRiseOnly() async {
        let waiters = GenerationWaiters()
        let hv0 = await waiters.register(host: .hypervisor("hv0"), after: 5)
        let hv1 = await waiters.register(host: .hypervisor("hv1"), after: 5)
        // A rise announced before the wait begins is kept, not lost.
        await waiters.notify(GenerationNotice(host: .hypervisor("hv0"), generation: 6))
        let first = await waiters.wait(hv0, timeout: .seconds(30))
        XCTAssertEqual(first, .changed)
        // Not this host, and not above its generation: no wake-up, so the wait times out.
        await waiters.notify(GenerationNotice(host: .hypervisor("hv0"), generation: 9))
        await waiters.notify(GenerationNotice(host: .hypervisor("hv1"), generation: 5))
        let second = await waiters.wait(hv1, timeout: .milliseconds(50))
        XCTAssertEqual(second, .timedOut)
        let count = await waiters.registeredCount
        XCTAssertEqual(count, 0, "used tickets are forgotten")
    }

    func testShutdownEndsEveryWaitAndEveryLaterOne() async {
        let waiters = GenerationWaiters()
        let ticket = await waiters.register(host: .leaf("leaf0"), after: 0)
        let held = Task { await waiters.wait(ticket, timeout: .seconds(600)) }
        while await waiters.heldCount == 0 { await Task.yield() }
        await waiters.shutDown()
        let heldWake = await held.value
        XCTAssertEqual(heldWake, .shuttingDown)
        let later = await waiters.register(host: .leaf("leaf0"), after: 0)
        let laterWake = await waiters.wait(later, timeout: .seconds(600))
        XCTAssertEqual(laterWake, .shuttingDown)
    }
}
