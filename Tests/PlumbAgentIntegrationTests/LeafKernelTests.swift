import Foundation
import Logging
import PlumbAgentKit
import PlumbModel
import PlumbNetlink
import PlumbTestSupport
import XCTest

/// The leaf role on a kernel with VLAN-filtering bridges: a namespace plays the leaf switch (veths as its front-panel
/// ports and uplink), the reconciler applies a leaf document, and iproute2 reads back the bridge, the port VLANs
/// (802.1Q and 802.1ad), the VLAN→VNI mappings, the VNI filter and the forwarding entries.
///
/// This machine's kernel has no VLAN-filtering bridges: here the tests skip, and `KernelLaneTests` runs them inside
/// `scripts/kernel-lane.sh`, where a missing feature fails them instead.
final class LeafKernelTests: XCTestCase {
    override func setUpWithError() throws {
        try requireVLANFilteringBridges()
    }

    private let desired = LeafFixture.desired

    /// A namespace with the leaf's uplink (carrying the VTEP address) and three front-panel ports; swp3 is not Plumb's.
    private func withLeaf(_ body: (NetworkNamespace, Reconciler) throws -> Void) throws {
        try NetworkNamespace.with(prefix: "plumbleaf") { ns in
            try ns.ip("link", "add", "uplink", "type", "veth", "peer", "name", "uplink-peer")
            try ns.ip("address", "add", "198.18.1.1/24", "dev", "uplink")
            try ns.ip("link", "set", "uplink", "up")
            for port in ["swp1", "swp2", "swp3"] {
                try ns.ip("link", "add", port, "type", "veth", "peer", "name", "\(port)-peer")
            }
            let reconciler = try ns.run {
                try Reconciler(configuration: AgentConfiguration(sysfsRoot: "/nonexistent", stateDirectory: "/nonexistent"),
                               logger: Logger(label: "leaf-kernel-test"))
            }
            try body(ns, reconciler)
        }
    }

    /// What iproute2 shows of the leaf, as sortable lines (ranges written out one value per line).
    private func snapshot(_ ns: NetworkNamespace) throws -> [String] {
        var lines: [String] = []
        for port in try ns.bridgeJSON("vlan", "show") {
            for vlan in port["vlans"] as? [[String: Any]] ?? [] {
                let flags = (vlan["flags"] as? [String] ?? []).sorted().joined(separator: ",")
                for id in LeafStandIns.range(vlan, "vlan") { lines.append("vlan \(port["ifname"] ?? "?") \(id) \(flags)") }
            }
        }
        for port in try ns.bridgeJSON("vlan", "tunnelshow") {
            for tunnel in port["tunnels"] as? [[String: Any]] ?? [] {
                let vlans = LeafStandIns.range(tunnel, "vlan"), vnis = LeafStandIns.range(tunnel, "tunid")
                XCTAssertEqual(vlans.count, vnis.count, "a VLAN range maps to a VNI range of the same length")
                for (vlan, vni) in zip(vlans, vnis) { lines.append("tunnel \(port["ifname"] ?? "?") \(vlan) \(vni)") }
            }
        }
        for device in try ns.bridgeJSON("vni", "show") {
            for entry in device["vnis"] as? [[String: Any]] ?? [] {
                for vni in LeafStandIns.range(entry, "vni") { lines.append("vni \(device["ifname"] ?? "?") \(vni)") }
            }
        }
        for entry in try ns.bridgeJSON("fdb", "show") {
            let state = entry["state"] as? String ?? ""
            if let dst = entry["dst"] {
                lines.append("fdb \(entry["ifname"] ?? "?") \(entry["mac"] ?? "?") dst \(dst) src_vni \(entry["src_vni"] ?? "-") \(state)")
            } else if state == "static" {
                lines.append("fdb \(entry["ifname"] ?? "?") \(entry["mac"] ?? "?") vlan \(entry["vlan"] ?? "-") master \(entry["master"] ?? "-") static")
            }
        }
        return lines.sorted()
    }

    func testLeafDocumentIsAppliedOnceAndKeptAcrossARestart() throws {
        try withLeaf { ns, reconciler in
            let desired = desired
            let report = try ns.run { try reconciler.applyLeaf(desired) }
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(try snapshot(ns), [
                "fdb plumbvx 00:00:00:00:00:00 dst 198.18.0.1 src_vni 5000 permanent",
                "fdb plumbvx 00:00:00:00:00:00 dst 198.18.0.2 src_vni 5000 permanent",
                "fdb plumbvx 00:00:00:00:00:00 dst 198.18.0.2 src_vni 5001 permanent",
                "fdb plumbvx 02:00:00:00:00:b1 dst 198.18.0.2 src_vni 5000 permanent",
                "fdb swp1 02:00:00:00:00:a1 vlan 100 master plumbleaf static",
                "tunnel plumbvx 100 5000",
                "tunnel plumbvx 101 5001",
                "tunnel plumbvx 102 5002",
                "vlan plumbvx 100 ",
                "vlan plumbvx 101 ",
                "vlan plumbvx 102 ",
                "vlan swp1 100 ",
                "vlan swp1 101 ",
                "vlan swp2 102 Egress Untagged,PVID",
                "vni plumbvx 5000",
                "vni plumbvx 5001",
                "vni plumbvx 5002",
            ])
            let links = Dictionary(uniqueKeysWithValues: try ns.ipJSON("-d", "link", "show").map { ($0["ifname"] as? String ?? "", $0) })
            let bridgeData = (links["plumbleaf"]?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            XCTAssertEqual(bridgeData?["vlan_filtering"] as? Int, 1)
            XCTAssertEqual(bridgeData?["vlan_protocol"] as? String, "802.1Q")
            let vxlanData = (links["plumbvx"]?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            XCTAssertEqual(vxlanData?["external"] as? Bool, true)
            XCTAssertEqual(vxlanData?["vnifilter"] as? Bool, true)
            XCTAssertEqual(vxlanData?["local"] as? String, "198.18.1.1")
            XCTAssertEqual(vxlanData?["link"] as? String, "uplink")
            XCTAssertNil(links["swp3"]?["master"], "a port the document does not name is not taken")

            // A restarted agent (a new reconciler, nothing remembered) reads the kernel and finds nothing to do.
            let again = try ns.run {
                try Reconciler(configuration: AgentConfiguration(sysfsRoot: "/nonexistent", stateDirectory: "/nonexistent"),
                               logger: Logger(label: "leaf-kernel-test")).planLeaf(desired)
            }
            XCTAssertEqual(again, Plan())
        }
    }

    func testChangedDocumentRemovesWhatIsGoneAndCleanupLeavesNothing() throws {
        try withLeaf { ns, reconciler in
            _ = try ns.run { [desired] in try reconciler.applyLeaf(desired) }
            let next = LeafFixture.shrunk
            let report = try ns.run { [next] in try reconciler.applyLeaf(next) }
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(try snapshot(ns), [
                "fdb plumbvx 00:00:00:00:00:00 dst 198.18.0.2 src_vni 5000 permanent",
                "fdb plumbvx 02:00:00:00:00:b1 dst 198.18.0.1 src_vni 5000 permanent",
                "tunnel plumbvx 100 5000",
                "tunnel plumbvx 102 5002",
                "vlan plumbvx 100 ",
                "vlan plumbvx 102 ",
                "vlan swp1 100 ",
                "vni plumbvx 5000",
                "vni plumbvx 5002",
            ])
            XCTAssertEqual(try ns.run { [next] in try reconciler.planLeaf(next) }, Plan())

            let cleanup = try ns.run { try reconciler.cleanupLeaf() }
            XCTAssertEqual(cleanup.errors, [])
            let names = Set(try ns.ipJSON("link", "show").compactMap { $0["ifname"] as? String })
            XCTAssertFalse(names.contains("plumbleaf") || names.contains("plumbvx"), "\(names)")
            XCTAssertTrue(try ns.ipJSON("link", "show").allSatisfy { $0["master"] == nil }, "every port released")
        }
    }

    /// VFs that stack over guest tags push an 802.1ad S-tag: the leaf's bridge then filters on 802.1ad, and a bridge of
    /// the other protocol is made again rather than kept.
    func testDot1adLeafFiltersOnSTagsAndAProtocolChangeRemakesTheBridge() throws {
        try withLeaf { ns, reconciler in
            var stacked = desired
            stacked.vlanProtocol = .dot1ad
            let report = try ns.run { [stacked] in try reconciler.applyLeaf(stacked) }
            XCTAssertEqual(report.errors, [])
            func bridgeProtocol() throws -> String? {
                let bridge = try XCTUnwrap(ns.ipJSON("-d", "link", "show", "dev", "plumbleaf").first)
                return ((bridge["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])?["vlan_protocol"] as? String
            }
            XCTAssertEqual(try bridgeProtocol(), "802.1ad")
            XCTAssertTrue(try snapshot(ns).contains("vlan swp1 100 "))

            let back = try ns.run { [desired] in try reconciler.applyLeaf(desired) }
            XCTAssertEqual(back.errors, [])
            XCTAssertTrue(back.operations.contains { $0.action == .deleteLink(name: "plumbleaf") })
            XCTAssertEqual(try bridgeProtocol(), "802.1Q")
            XCTAssertTrue(try snapshot(ns).contains("tunnel plumbvx 101 5001"), "the VXLAN port is back on the new bridge")
            XCTAssertEqual(try ns.run { [desired] in try reconciler.planLeaf(desired) }, Plan())
        }
    }

    /// The facility renames the leaf's bridge and VXLAN device: the old ones go, the ports and mappings move to the new
    /// ones, and cleanup finds them by ownership under their new names.
    func testRenamedDevicesReplaceTheOldOnes() throws {
        try withLeaf { ns, reconciler in
            _ = try ns.run { [desired] in try reconciler.applyLeaf(desired) }
            var renamed = desired
            renamed.generation = 2
            renamed.bridge = "br-leaf"
            renamed.vxlanDevice = "vx-leaf"
            let report = try ns.run { [renamed] in try reconciler.applyLeaf(renamed) }
            XCTAssertEqual(report.errors, [])
            let names = Set(try ns.ipJSON("link", "show").compactMap { $0["ifname"] as? String })
            XCTAssertTrue(names.isSuperset(of: ["br-leaf", "vx-leaf"]) && names.isDisjoint(with: ["plumbleaf", "plumbvx"]), "\(names)")
            let snapshot = try snapshot(ns)
            XCTAssertTrue(snapshot.contains("fdb swp1 02:00:00:00:00:a1 vlan 100 master br-leaf static"), "\(snapshot)")
            XCTAssertTrue(snapshot.contains("tunnel vx-leaf 100 5000"), "\(snapshot)")
            XCTAssertEqual(try ns.run { [renamed] in try reconciler.planLeaf(renamed) }, Plan())
            XCTAssertEqual(try ns.run { try reconciler.cleanupLeaf() }.errors, [])
            XCTAssertTrue(try ns.ipJSON("link", "show").allSatisfy { $0["master"] == nil }, "every port released")
        }
    }
}
