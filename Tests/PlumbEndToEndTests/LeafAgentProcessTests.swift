import Foundation
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport
import XCTest

/// `plumb-agent leaf run` against a real controller: the leaf's own token, its long poll for
/// `GET /v1/leaves/{name}/desired`, its status report, and a materialization with a VF that is ready only once the
/// leaf, not just the hypervisor, has applied it.
///
/// This machine's kernel has no VLAN-filtering bridges, so the leaf's items fail here and are reported as item
/// errors; what is checked is the conversation and the readiness it gates (the plumbing itself is checked on a real
/// kernel by `LeafKernelTests` and `LeafFramesTests` in the lane).
final class LeafAgentProcessTests: XCTestCase {
    override func setUpWithError() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("agent process tests need root (network namespaces)") }
    }

    private static let facility = Facility(
        vniRanges: [Facility.NumberRange(first: 5000, last: 5009)],
        leaves: [Facility.Leaf(name: "leaf0", vtepIp: IPv4Address("198.19.0.1")!, vlanRange: Facility.NumberRange(first: 200, last: 209),
                               bridge: "br-leaf0")],
        hypervisors: [Facility.Hypervisor(name: "hv0", vtepIp: IPv4Address("198.19.1.1")!, leaf: "leaf0", underlayNic: "eth0",
                                          nics: [Facility.NIC(name: "eth0", pciAddress: PCIAddress("0000:01:00.0")!, leafPort: "swp1", vfLimit: 4)])])

    func testAVFMaterializationIsReadyOnlyOnceTheLeafAgentHasAppliedIt() throws {
        try NetworkNamespace.with(prefix: "plumbleaf") { ns in
            // A management link from this namespace to the leaf's, which the controller listens on.
            let subnet = 200 + Int(getpid() % 50)
            let hostSide = "plm\(String(UInt32.random(in: 0..<0xFFFFFF), radix: 16))"
            try NetworkNamespace.Command.run("ip", ["link", "add", hostSide, "type", "veth", "peer", "name", "mgmt", "netns", ns.name])
            defer { _ = try? NetworkNamespace.Command.execute("ip", ["link", "del", hostSide]) }
            try NetworkNamespace.Command.run("ip", ["address", "add", "198.18.\(subnet).1/30", "dev", hostSide])
            try NetworkNamespace.Command.run("ip", ["link", "set", hostSide, "up"])
            try ns.ip("address", "add", "198.18.\(subnet).2/30", "dev", "mgmt")
            try ns.ip("link", "set", "mgmt", "up")
            // Port swp1, cabled to hv0.
            try ns.ip("link", "add", "swp1", "type", "veth", "peer", "name", "hv0-eth0")

            let controller = try ControllerProcess(databaseURL: try TestPostgres.shared.makeDatabase(), listen: "198.18.\(subnet).1:0")
            defer { controller.stop() }
            try checkReadiness(controller: controller, leafNamespace: ns)
        }
    }

    private func checkReadiness(controller: ControllerProcess, leafNamespace ns: NetworkNamespace) throws {
        let admin = controller.adminClient()
        _ = try admin.putFacility(Self.facility)
        let spec = MaterializationSpec(networks: [MaterializationSpec.Network(name: "net")],
                                       vms: [MaterializationSpec.VM(name: "vm", hypervisor: "hv0",
                                                                    nics: [MaterializationSpec.NIC(network: "net", mechanism: .vfio)])])
        _ = try controller.cogsClient().materialize(id: "vf", spec: spec)

        // The hypervisor reports its document applied: the leaf has not, so the materialization waits.
        let hypervisor = controller.client(token: try admin.issueHostToken(host: "hv0").token)
        guard case .changed(let hv0) = try hypervisor.desired(host: "hv0", after: nil) else { return XCTFail("no document for hv0") }
        try hypervisor.putStatus(host: "hv0", HostStatusReport(appliedGeneration: hv0.generation))
        let waiting = try admin.materialization(id: "vf").status
        XCTAssertEqual(waiting.state, .pending)
        XCTAssertEqual(waiting.hosts.filter { $0.state == .pending }.map(\.host), ["leaf0"])

        // The leaf agent, with the leaf's own token.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-leaf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("leaf.token").path
        XCTAssertTrue(FileManager.default.createFile(atPath: tokenFile, contents: Data(try admin.issueHostToken(host: "leaf0").token.utf8),
                                                    attributes: [.posixPermissions: 0o600]))
        let agent = try AgentProcess(namespace: ns, arguments: [
            "leaf", "run", "--controller", controller.baseURL, "--leaf", "leaf0", "--token-file", tokenFile, "--wait", "5",
        ])
        defer { agent.terminate() }
        XCTAssertTrue(agent.waitForLog(containing: "desired state applied", limit: 60), agent.logText)
        let leaf = try XCTUnwrap(admin.hosts().hosts.first { $0.name == "leaf0" && $0.kind == .leaf })
        let ready = poll(limit: 30) { (try? admin.materialization(id: "vf").status.state) == .ready }
        XCTAssertTrue(ready, "the materialization is ready once leaf0 reported\n\(agent.logText.suffix(3000))")
        XCTAssertEqual(try XCTUnwrap(admin.hosts().hosts.first { $0.name == "leaf0" && $0.kind == .leaf }).appliedGeneration,
                       leaf.generation)
        XCTAssertTrue(agent.logText.contains("br-leaf0"), "the leaf's document was planned against the namespace, with the facility's bridge")
        XCTAssertTrue(agent.isRunning, "the agent keeps polling")
        XCTAssertEqual(agent.terminate(), 0, "SIGTERM stops it cleanly")
    }

    /// Calls `condition` every 0.2 s until it holds (true) or `limit` seconds pass (false).
    private func poll(limit: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return condition()
    }
}
