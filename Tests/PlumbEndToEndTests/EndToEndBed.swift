import Foundation
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport

/// One end-to-end installation: the test's own bed of hypervisor namespaces, a real `plumb-controller`
/// listening on the bed's underlay, and one real `plumb-agent run` per hypervisor namespace, each with a
/// host token of its own. ``tearDown()`` stops and removes all of it; it is safe to call twice.
final class EndToEndBed {
    let testbed: Testbed
    private(set) var controller: ControllerProcess
    private(set) var admin: ControllerClient
    private(set) var agents: [String: AgentProcess] = [:]
    /// The database the controller runs on (nil: its embedded cluster).
    let databaseURL: String?
    /// Token files and agent state directories.
    let directory: URL

    /// Brings everything up: bed, controller (on `databaseURL`, or its embedded cluster), facility, agents.
    init(databaseURL: String?) throws {
        let testbed = try Testbed()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-e2e-\(UUID().uuidString)")
        var controller: ControllerProcess?
        var agents: [String: AgentProcess] = [:]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let started = try ControllerProcess(databaseURL: databaseURL, listen: "\(testbed.gateway):0")
            controller = started
            let admin = started.adminClient()
            _ = try admin.putFacility(testbed.facility())
            for host in testbed.hosts {
                let token = try admin.issueHostToken(host: host)
                let file = Self.tokenFile(host, in: directory)
                try Data((token.token + "\n").utf8).write(to: file)
                chmod(file.path, 0o600)
                agents[host] = try Self.launchAgent(host, testbed: testbed, directory: directory, controller: started.baseURL)
            }
            self.testbed = testbed
            self.directory = directory
            self.databaseURL = databaseURL
            self.controller = started
            self.admin = admin
            self.agents = agents
        } catch {
            for agent in agents.values { agent.kill() }
            controller?.stop()
            testbed.down()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private static func tokenFile(_ host: String, in directory: URL) -> URL { directory.appendingPathComponent("\(host).token") }

    private static func launchAgent(_ host: String, testbed: Testbed, directory: URL, controller: String) throws -> AgentProcess {
        try AgentProcess(namespaceName: testbed.namespace(host), arguments: [
            "run", "--controller", controller, "--host", host, "--token-file", tokenFile(host, in: directory).path,
            "--state-directory", directory.appendingPathComponent("state-\(host)").path, "--wait", "5", "--log-level", "debug",
        ])
    }

    /// Starts `plumb-agent run` for `host` in its namespace (replacing a stopped one).
    @discardableResult
    func startAgent(_ host: String) throws -> AgentProcess {
        let agent = try Self.launchAgent(host, testbed: testbed, directory: directory, controller: controller.baseURL)
        agents[host] = agent
        return agent
    }

    /// Stops the controller (SIGTERM) and starts a new one on the same database and address. Only for a
    /// controller on a given database (the embedded cluster lives in the stopped controller's directory).
    func restartController(whileStopped: () throws -> Void = {}) throws {
        precondition(databaseURL != nil, "restart needs a database outside the controller")
        let address = "\(testbed.gateway):\(controller.port)"
        controller.stop()
        try whileStopped()
        controller = try ControllerProcess(databaseURL: databaseURL, listen: address)
        admin = controller.adminClient()
    }

    /// `PUT /v1/materializations/ID`, then waits until it is ready.
    @discardableResult
    func materialize(_ id: String, _ spec: MaterializationSpec, limit: TimeInterval = 60) throws -> Materialization {
        _ = try admin.materialize(id: id, spec: spec)
        return try waitUntilReady(id, limit: limit)
    }

    /// Polls `GET /v1/materializations/ID` until ready; throws with the hosts' progress after `limit` seconds.
    @discardableResult
    func waitUntilReady(_ id: String, limit: TimeInterval = 60) throws -> Materialization {
        var last: Materialization?
        let ready = poll(limit: limit) {
            last = try? self.admin.materialization(id: id)
            return last?.status.state == .ready
        }
        guard ready, let last else {
            throw TapProbeError(message: "\(id) not ready within \(Int(limit)) s: \(String(describing: last?.status))\n\(agentLogs())")
        }
        return last
    }

    /// `DELETE /v1/materializations/ID`, then waits until the hypervisors `hosts` (default: all) applied the
    /// generation that removed it.
    func dematerialize(_ id: String, waitingFor hosts: [String]? = nil, limit: TimeInterval = 60) throws {
        try admin.dematerialize(id: id)
        let names = Set(hosts ?? testbed.hosts)
        let required = try admin.hosts().hosts.filter { names.contains($0.name) }
            .reduce(into: [String: Int64]()) { $0[$1.name] = $1.generation }
        try waitUntilApplied(required, what: "\(id)'s removal", limit: limit)
    }

    /// Waits until each host has applied at least the generation `required` names for it.
    func waitUntilApplied(_ required: [String: Int64], what: String, limit: TimeInterval = 60) throws {
        let done = poll(limit: limit) {
            guard let hosts = try? self.admin.hosts().hosts else { return false }
            return hosts.filter { required[$0.name] != nil }.allSatisfy { ($0.appliedGeneration ?? -1) >= required[$0.name]! }
        }
        guard done else { throw TapProbeError(message: "hosts did not apply \(what) within \(Int(limit)) s\n\(agentLogs())") }
    }

    /// `GET /metrics`: the `plumb_pool_*` gauges as `name{pool="..",scope=".."}` → value.
    func poolGauges() throws -> [String: Int] {
        let response = try controller.client(token: nil).http.send(method: "GET", url: controller.baseURL + "/metrics")
        var gauges: [String: Int] = [:]
        for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n") where line.hasPrefix("plumb_pool_") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Int(parts[1]) { gauges[String(parts[0])] = value }
        }
        return gauges
    }

    /// Every agent's log, for failure messages.
    func agentLogs() -> String {
        agents.keys.sorted().map { "--- agent \($0) ---\n\(agents[$0]!.logText.suffix(3000))" }.joined(separator: "\n")
    }

    /// Calls `condition` until it is true (true) or `limit` seconds passed (false).
    func poll(limit: TimeInterval, every interval: TimeInterval = 0.1, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date(timeIntervalSinceNow: limit)
        while true {
            if try condition() { return true }
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Stops the agents and the controller, removes the bed and the temporary directory.
    func tearDown() {
        for agent in agents.values where agent.isRunning { agent.terminate() }
        agents = [:]
        controller.stop()
        testbed.down()
        try? FileManager.default.removeItem(at: directory)
    }
}
