import Foundation
import Logging
import PlumbNetlink
import PlumbTestSupport
import XCTest

/// Dumps that span many datagrams: the socket must read every part up to `NLMSG_DONE`.
final class NetlinkLargeDumpTests: XCTestCase {
    func testDumpOfManyDevicesAndFDBEntriesMatchesIproute2() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
        try NetworkNamespace.with { ns in
            let batch = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-batch-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: batch) }
            var commands = ["link add vxbig type vxlan id 99 local 198.18.0.1 dstport 4789 nolearning"]
            commands += (0..<400).map { "link add br\($0) type bridge" }
            try commands.joined(separator: "\n").write(to: batch, atomically: true, encoding: .utf8)
            try ns.ip("-batch", batch.path)
            var fdbCommands = (0..<300).map { "fdb append 00:00:00:00:00:00 dev vxbig dst 198.18.\(1 + $0 / 250).\(1 + $0 % 250) self permanent" }
            fdbCommands.append("fdb add 02:00:00:00:00:01 dev vxbig dst 198.18.0.9 self permanent")
            try fdbCommands.joined(separator: "\n").write(to: batch, atomically: true, encoding: .utf8)
            try ns.bridge("-batch", batch.path)

            let (links, fdb) = try ns.run {
                let socket = try NetlinkSocket(logger: Logger(label: "netlink-test"))
                return (try socket.links(), try socket.bridgeFDB())
            }
            let expectedLinks = try ns.ipJSON("link", "show").map { "\($0["ifindex"] as? Int ?? -1) \($0["ifname"] as? String ?? "?")" }
            XCTAssertEqual(expectedLinks.count, 402)
            XCTAssertEqual(Set(links.map { "\($0.index) \($0.name)" }), Set(expectedLinks))
            XCTAssertEqual(links.count, expectedLinks.count)

            let expectedFDB = try ns.bridgeJSON("fdb", "show", "dev", "vxbig").compactMap { entry -> String? in
                guard let dst = entry["dst"] as? String else { return nil }
                return "\(entry["mac"] as? String ?? "?") \(dst)"
            }
            XCTAssertEqual(expectedFDB.count, 301)
            let ours = fdb.compactMap { entry in entry.dst.map { "\(entry.mac) \($0)" } }
            XCTAssertEqual(Set(ours), Set(expectedFDB))
            XCTAssertEqual(ours.count, expectedFDB.count)
        }
    }
}
