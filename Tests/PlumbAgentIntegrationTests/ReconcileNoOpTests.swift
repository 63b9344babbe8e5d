import Foundation
import PlumbAgentKit
import PlumbModel
import PlumbNetlink
import PlumbTestSupport
import XCTest

/// A no-op reconcile reads the kernel once and writes nothing: `plumb-agent apply` of a document already in place,
/// traced with `strace`, sends exactly one link dump and one FDB dump request and nothing else over netlink.
final class ReconcileNoOpTests: XCTestCase {
    typealias H = ReconcileTestHost

    override func setUpWithError() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
    }

    /// The `plumb-agent` executable next to this test bundle's build products.
    private var agentExecutable: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/plumb-agent").path
    }

    /// `RTM_*` type names for the messages a reconcile may send, the rest by number; dumps marked.
    private func describe(_ message: RawNetlinkMessage) -> String {
        let names: [UInt16: String] = [16: "RTM_NEWLINK", 17: "RTM_DELLINK", 18: "RTM_GETLINK", 19: "RTM_SETLINK",
                                       22: "RTM_GETADDR", 28: "RTM_NEWNEIGH", 29: "RTM_DELNEIGH", 30: "RTM_GETNEIGH"]
        let dump: UInt16 = 0x300  // NLM_F_ROOT | NLM_F_MATCH
        return (names[message.type] ?? "type \(message.type)") + (message.flags & dump == dump ? " dump" : "")
    }

    func testNoOpApplySendsOneAddressLinkAndFDBDumpEachOnly() throws {
        try XCTAssertTrue(FileManager.default.isExecutableFile(atPath: agentExecutable), "build plumb-agent first: \(agentExecutable)")
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            XCTAssertEqual(try ns.run { try host.reconciler().apply(H.desired) }.errors, [])
            let document = host.directory + "/desired.json"
            try PlumbJSON.encode(H.desired).write(to: URL(fileURLWithPath: document))
            let before = try host.snapshot()

            let (messages, output) = try NetlinkIproute2Capture.sentMessages("ip", [
                "netns", "exec", ns.name, agentExecutable, "apply", document,
                "--sysfs-root", host.configuration.sysfsRoot, "--state-directory", host.configuration.stateDirectory,
            ])
            XCTAssertEqual(output.status, 0, output.standardError)
            XCTAssertEqual(messages.map(describe), ["RTM_GETADDR dump", "RTM_GETLINK dump", "RTM_GETNEIGH dump"])
            XCTAssertEqual(try host.snapshot(), before)

            // The same trace sees the writes of a real change, so an empty trace above is not a blind spot.
            try ns.ip("link", "set", "pltap1", "nomaster")
            let (repair, _) = try NetlinkIproute2Capture.sentMessages("ip", [
                "netns", "exec", ns.name, agentExecutable, "apply", document,
                "--sysfs-root", host.configuration.sysfsRoot, "--state-directory", host.configuration.stateDirectory,
            ])
            XCTAssertEqual(repair.map(describe), ["RTM_GETADDR dump", "RTM_GETLINK dump", "RTM_GETNEIGH dump", "RTM_SETLINK", "RTM_SETLINK"])
            try host.assertPlumbing(H.desired)
        }
    }
}
