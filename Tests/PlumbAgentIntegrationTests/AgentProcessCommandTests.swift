import Foundation
import PlumbModel
import PlumbTestSupport
import XCTest

/// The `plumb-agent` executable's `plan`, `apply` and `cleanup` commands run as real processes in a
/// network namespace, checked with `ip -d -j link`; and its exit codes for bad input and missing privileges.
final class AgentProcessCommandTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("needs root to make network namespaces") }
        guard FileManager.default.isExecutableFile(atPath: AgentProcess.executable) else {
            throw XCTSkip("\(AgentProcess.executable) is not built (swift build --build-tests builds it)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-agent-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try FileManager.default.removeItem(at: directory) }
    }

    private func documentFile(_ json: String) throws -> String {
        let path = directory.appendingPathComponent("desired-\(UUID().uuidString).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private let document = """
        {"host": "hv1", "generation": 4, "vtep": {"local_ip": "198.18.0.1", "underlay_mtu": 1500},
         "networks": [{"vni": 7001, "isolated": true, "flood": ["198.18.0.2"], "fdb": [],
                       "taps": [{"name": "pt-a-eth0", "mac": "02:00:00:00:00:01", "materialization": "exp1", "vm": "a", "nic": "eth0"}]}],
         "pfs": [], "passthrough": []}
        """

    private func agent(in namespace: NetworkNamespace, _ arguments: String...) throws -> NetworkNamespace.Command.Output {
        try NetworkNamespace.Command.execute("ip", ["netns", "exec", namespace.name, AgentProcess.executable] + arguments
            + ["--state-directory", directory.appendingPathComponent("state").path])
    }

    private func linkNames(_ namespace: NetworkNamespace) throws -> Set<String> {
        Set(try namespace.ipJSON("link", "show").compactMap { $0["ifname"] as? String })
    }

    func testPlanApplyAndCleanupFromAFile() throws {
        try NetworkNamespace.with { namespace in
            let file = try documentFile(document)

            let plan = try agent(in: namespace, "plan", "--file", file)
            XCTAssertEqual(plan.status, 0, plan.standardError)
            XCTAssertTrue(plan.standardOutput.contains("create vxlan plvx7001 id 7001"), plan.standardOutput)
            XCTAssertEqual(try linkNames(namespace), ["lo"], "plan must change nothing")

            let apply = try agent(in: namespace, "apply", file)
            XCTAssertEqual(apply.status, 0, apply.standardError)
            XCTAssertEqual(try linkNames(namespace), ["lo", "plbr7001", "plvx7001", "pt-a-eth0"])
            let vxlan = try XCTUnwrap(namespace.ipJSON("-d", "link", "show", "plvx7001").first)
            let info = try XCTUnwrap((vxlan["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
            XCTAssertEqual(info["id"] as? Int, 7001)
            XCTAssertEqual(vxlan["master"] as? String, "plbr7001")

            let again = try agent(in: namespace, "apply", file)
            XCTAssertEqual(again.status, 0, again.standardError)
            XCTAssertEqual(again.standardOutput, "nothing to apply\n")

            let cleanup = try agent(in: namespace, "cleanup")
            XCTAssertEqual(cleanup.status, 0, cleanup.standardError)
            XCTAssertEqual(try linkNames(namespace), ["lo"])
        }
    }

    func testBadDocumentExits65NamingTheField() throws {
        try NetworkNamespace.with { namespace in
            let file = try documentFile(document.replacingOccurrences(of: #""vni": 7001"#, with: #""vni": "seven""#))
            let apply = try agent(in: namespace, "apply", file)
            XCTAssertEqual(apply.status, 65)
            XCTAssertTrue(apply.standardError.contains("networks[0].vni"), apply.standardError)
            XCTAssertEqual(try linkNames(namespace), ["lo"])
        }
    }

    func testWithoutPrivilegesExits77() throws {
        try NetworkNamespace.with { namespace in
            let file = try documentFile(document)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            let asNobody = try NetworkNamespace.Command.execute("ip", ["netns", "exec", namespace.name, "runuser", "-u", "nobody", "--",
                                                                       AgentProcess.executable, "apply", file])
            XCTAssertEqual(asNobody.status, 77)
            XCTAssertTrue(asNobody.standardError.contains("must run as root"), asNobody.standardError)

            let withoutNetAdmin = try NetworkNamespace.Command.execute("ip", ["netns", "exec", namespace.name, "capsh",
                                                                              "--drop=cap_net_admin", "--", "-c",
                                                                              "\(AgentProcess.executable) apply \(file)"])
            XCTAssertEqual(withoutNetAdmin.status, 77)
            XCTAssertTrue(withoutNetAdmin.standardError.contains("CAP_NET_ADMIN"), withoutNetAdmin.standardError)
            XCTAssertEqual(try linkNames(namespace), ["lo"])
        }
    }
}
