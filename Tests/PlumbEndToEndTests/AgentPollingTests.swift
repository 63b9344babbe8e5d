import Foundation
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport
import XCTest

/// The agent's side of the conversation with a real controller process: held polls that end in 304 and
/// change nothing, backoff while the controller is gone, and what it does with a token it may not use.
final class AgentPollingTests: XCTestCase {
    private var bed: EndToEndBed?

    override func setUpWithError() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("agent process tests need root (network namespaces, taps)") }
    }

    override func tearDown() {
        bed?.tearDown()
        bed = nil
    }

    /// How often `text` occurs in `log`.
    private static func count(_ text: String, in log: String) -> Int {
        log.components(separatedBy: text).count - 1
    }

    /// Answers of `GET /v1/hosts/{name}/desired` with status 304 so far, from the controller's `/metrics`.
    private func notModifiedAnswers(_ bed: EndToEndBed) throws -> Int {
        let response = try bed.controller.client(token: nil).http.send(method: "GET", url: bed.controller.baseURL + "/metrics")
        return String(decoding: response.body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("plumb_http_request_duration_seconds_count{") && $0.contains("desired") && $0.contains("status=\"304\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
            .reduce(0, +)
    }

    func testHeldPollsEndIn304AndTheAgentAppliesNothingUntilTheNextChange() throws {
        let bed = try EndToEndBed(databaseURL: try TestPostgres.shared.makeDatabase())
        self.bed = bed
        _ = try bed.materialize("A", try Scenario.experimentA)
        let agent = try XCTUnwrap(bed.agents["hv1"])
        let logBefore = agent.logText
        let devicesBefore = try bed.testbed.plumbDevices("hv1")
        let answered304 = try notModifiedAnswers(bed)

        // Every agent polls with --wait 5: let each held poll run out at least once.
        let heldAndTimedOut = try bed.poll(limit: 30, every: 0.5) { try self.notModifiedAnswers(bed) >= answered304 + bed.agents.count }
        XCTAssertTrue(heldAndTimedOut, "the controller answered 304 to the held polls:\n\(bed.controller.logText.suffix(2000))")
        let logAfter = agent.logText
        XCTAssertEqual(Self.count("desired state received", in: logAfter), Self.count("desired state received", in: logBefore),
                       "a 304 is not a new document:\n\(logAfter.suffix(2000))")
        XCTAssertEqual(Self.count("applying", in: logAfter), Self.count("applying", in: logBefore), "a 304 applies nothing")
        XCTAssertEqual(try bed.testbed.plumbDevices("hv1"), devicesBefore)
        XCTAssertTrue(agent.isRunning)

        // The next change wakes the held poll: hv1 gets the new document and reports it applied.
        let generationBefore = try XCTUnwrap(try bed.admin.hosts().hosts.first { $0.name == "hv1" }).generation
        _ = try bed.materialize("B", try Scenario.experimentB)
        let hv1 = try XCTUnwrap(try bed.admin.hosts().hosts.first { $0.name == "hv1" })
        XCTAssertGreaterThan(hv1.generation, generationBefore)
        XCTAssertEqual(hv1.appliedGeneration, hv1.generation)
        XCTAssertEqual(Self.count("desired state received", in: agent.logText),
                       Self.count("desired state received", in: logBefore) + 1, agent.logText.suffix(2000).description)
    }

    func testWhileTheControllerIsGoneTheAgentRetriesWithBackoffAndChangesNothing() throws {
        let bed = try EndToEndBed(databaseURL: try TestPostgres.shared.makeDatabase())
        self.bed = bed
        _ = try bed.materialize("A", try Scenario.experimentA)
        let agent = try XCTUnwrap(bed.agents["hv1"])
        let devicesBefore = try bed.testbed.plumbDevices("hv1")
        let retriesBefore = Self.count("retrying later", in: agent.logText)

        try bed.restartController {
            let retried = bed.poll(limit: 60, every: 0.2) { Self.count("retrying later", in: agent.logText) >= retriesBefore + 3 }
            XCTAssertTrue(retried, "the agent retries while the controller is down:\n\(agent.logText.suffix(2000))")
            // Consecutive failures are counted up, and every delay lies between the backoff's base and cap.
            let retries = agent.logText.split(separator: "\n").filter { $0.contains("retrying later") }.suffix(3)
            let failures = retries.compactMap { Self.value(of: "failures", in: $0).flatMap { Int($0) } }
            XCTAssertEqual(failures.count, 3, "\(retries)")
            if let first = failures.first { XCTAssertEqual(failures, Array(first..<(first + 3)), "\(retries)") }
            for line in retries {
                let delay = try XCTUnwrap(Self.value(of: "delay", in: line).flatMap(Self.seconds), "\(line)")
                XCTAssertTrue((0.5...30).contains(delay), "delay \(delay) s outside 0.5...30 s: \(line)")
            }
            XCTAssertEqual(try bed.testbed.plumbDevices("hv1"), devicesBefore, "nothing changes while the controller is gone")
            XCTAssertTrue(agent.isRunning)
        }

        // Back on the same address: the agent's next poll succeeds and the next change is applied.
        _ = try bed.materialize("B", try Scenario.experimentB)
        XCTAssertTrue(agent.isRunning)
        XCTAssertEqual(try bed.admin.materialization(id: "A").status.state, .ready)
    }

    func testATokenTheControllerRefusesStopsTheAgentWithExit77() throws {
        let bed = try EndToEndBed(databaseURL: try TestPostgres.shared.makeDatabase())
        self.bed = bed
        let otherHostsToken = try bed.admin.issueHostToken(host: "hv2").token
        for (token, answer) in [(otherHostsToken, "403"), ("not-a-token-the-controller-issued", "401")] {
            let file = try writeTokenFile(token, in: bed.directory, mode: 0o600)
            let agent = try AgentProcess(namespaceName: bed.testbed.namespace("hv1"), arguments: [
                "run", "--controller", bed.controller.baseURL, "--host", "hv1", "--token-file", file.path, "--wait", "1",
            ])
            let status = try exitStatus(of: agent, limit: 30)
            XCTAssertEqual(status, 77, "a refused token (\(answer)) stops the agent with 77:\n\(agent.logText)")
            XCTAssertTrue(agent.logText.contains(answer), "the agent says what the controller answered:\n\(agent.logText)")
            XCTAssertEqual(Self.count("applying", in: agent.logText), 0)
        }
    }

    func testATokenFileOtherUsersCanReadIsRefusedBeforeAnyRequest() throws {
        let bed = try EndToEndBed(databaseURL: try TestPostgres.shared.makeDatabase())
        self.bed = bed
        let token = try bed.admin.issueHostToken(host: "hv1").token
        let file = try writeTokenFile(token, in: bed.directory, mode: 0o644)
        let agent = try AgentProcess(namespaceName: bed.testbed.namespace("hv1"), arguments: [
            "run", "--controller", bed.controller.baseURL, "--host", "hv1", "--token-file", file.path,
        ])
        XCTAssertEqual(try exitStatus(of: agent, limit: 30), 78, agent.logText)
        XCTAssertTrue(agent.logText.contains("0600"), "the agent says which modes it accepts:\n\(agent.logText)")
    }

    /// A token file of the test's own, with `mode`.
    private func writeTokenFile(_ token: String, in directory: URL, mode: mode_t) throws -> URL {
        let file = directory.appendingPathComponent("extra-\(UUID().uuidString).token")
        try Data((token + "\n").utf8).write(to: file)
        XCTAssertEqual(chmod(file.path, mode), 0)
        return file
    }

    /// The agent's exit status, once it exits by itself within `limit` seconds (otherwise it is killed and the test fails).
    private func exitStatus(of agent: AgentProcess, limit: TimeInterval) throws -> Int32 {
        let deadline = Date(timeIntervalSinceNow: limit)
        while agent.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !agent.isRunning else {
            agent.kill()
            throw AgentKeptRunning(limit: limit, log: agent.logText)
        }
        return agent.waitUntilExit()
    }

    /// The agent was expected to exit by itself and did not.
    private struct AgentKeptRunning: Error, CustomStringConvertible {
        var limit: TimeInterval
        var log: String
        var description: String { "the agent was still running after \(Int(limit)) s:\n\(log.suffix(2000))" }
    }

    /// The value of `key=value` in a text log line (the value ends at a space).
    private static func value(of key: String, in line: Substring) -> String? {
        guard let range = line.range(of: " \(key)=") else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " })
    }

    /// Seconds from a Swift `Duration` description such as `1.234 seconds`, or a bare number.
    private static func seconds(_ text: String) -> Double? {
        Double(text.split(separator: " ").first ?? "")
    }
}
