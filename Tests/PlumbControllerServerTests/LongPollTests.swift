import Foundation
import PlumbHTTPClient
import PlumbModel
import XCTest

/// `GET …/desired?after=G&wait=S`: at once when newer, on a change while held (also one made through
/// another controller on the same database), 304 when the wait runs out, 400 for bad parameters.
final class LongPollTests: ServerTestCase {
    private var agent: ControllerClient!

    override func setUp() async throws {
        try await super.setUp()
        _ = try admin.putFacility(TestFacility.facility())
        agent = client(try admin.issueHostToken(host: "hv0").token)
    }

    private func currentGeneration() throws -> Int64 {
        guard case .changed(let document) = try agent.desired(host: "hv0", after: nil) else {
            XCTFail("expected a document")
            return -1
        }
        return document.generation
    }

    func testNewerGenerationAnswersAtOnceAndSameGenerationTimesOutWith304() throws {
        let generation = try currentGeneration()
        guard case .changed(let document) = try agent.desired(host: "hv0", after: generation - 1, wait: .seconds(30)) else {
            return XCTFail("an older generation is answered at once")
        }
        XCTAssertEqual(document.generation, generation)
        XCTAssertEqual(try agent.desired(host: "hv0", after: generation, wait: .seconds(1)), .notModified)
        XCTAssertEqual(try agent.desired(host: "hv0", after: generation), .notModified, "no wait: 304 at once")
    }

    func testAHeldPollReturnsWhenTheGenerationRises() async throws {
        let generation = try currentGeneration()
        let agent = self.agent!
        let poll = Task.detached { try agent.desired(host: "hv0", after: generation, wait: .seconds(60)) }
        try await waitForHeldPoll()
        _ = try cogs.materialize(id: "wake", spec: TestFacility.spec())
        guard case .changed(let document) = try await poll.value else { return XCTFail("the change must end the poll") }
        XCTAssertGreaterThan(document.generation, generation)
        XCTAssertEqual(document.networks.count, 1)
    }

    func testAChangeThroughAnotherControllerWakesThePoll() async throws {
        // A second controller on the same database; the change goes through it, the poll is held by the first.
        let other = try await RunningServer.start(store: store)
        let otherCogs = client(Self.cogsToken, server: other)
        let generation = try currentGeneration()
        let agent = self.agent!
        let poll = Task.detached { try agent.desired(host: "hv0", after: generation, wait: .seconds(60)) }
        try await waitForHeldPoll()
        _ = try otherCogs.materialize(id: "elsewhere", spec: TestFacility.spec())
        let answer = try await poll.value
        await other.stop()
        guard case .changed(let document) = answer else { return XCTFail("the NOTIFY must wake the other controller's poll") }
        XCTAssertGreaterThan(document.generation, generation)
    }

    func testLeafPollsTheSameWay() throws {
        let leaf = client(try admin.issueHostToken(host: "leaf0").token)
        guard case .changed(let document) = try leaf.leafDesired(leaf: "leaf0", after: nil) else { return XCTFail("expected a document") }
        XCTAssertEqual(try leaf.leafDesired(leaf: "leaf0", after: document.generation, wait: .seconds(1)), .notModified)
    }

    func testBadParametersAre400NamingTheParameter() throws {
        for (query, field) in [("after=-1", "after"), ("after=x", "after"), ("after=1&wait=-5", "wait"), ("wait=1.5", "wait"),
                               ("after=99999999999999999999", "after")] {
            let response = try raw("GET", "/v1/hosts/hv0/desired?\(query)")
            XCTAssertEqual(response.status, 400, query)
            XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error.field, field, query)
        }
        assertAPIError(404, "not_found") { _ = try self.admin.desired(host: "nope", after: nil) }
    }

    /// Waits (bounded) until `server` (default: the test's) holds a long poll, as its `/metrics` says.
    private func waitForHeldPoll(on server: RunningServer? = nil) async throws {
        let http = HTTPClient()
        let url = (server ?? self.server).baseURL + "/metrics"
        let deadline = Date().addingTimeInterval(20)
        while !String(decoding: try http.send(method: "GET", url: url).body, as: UTF8.self).contains("\nplumb_long_polls_held 1\n") {
            guard Date() < deadline else { return XCTFail("the poll was never held") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
