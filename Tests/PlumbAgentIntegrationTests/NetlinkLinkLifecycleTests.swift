import Glibc
import Logging
import PlumbModel
import PlumbNetlink
import PlumbTestSupport
import XCTest

/// Creates VXLAN, bridge and tap devices with `NetlinkSocket` inside a fresh namespace, wires them like the agent
/// does, and checks the result independently with `ip -d -j link`, `bridge -j fdb` and `bridge -d -j link`,
/// then with the socket's own dumps, then deletes everything.
final class NetlinkLinkLifecycleTests: XCTestCase {
    private let logger = Logger(label: "netlink-test")
    private let plumbGroup: UInt32 = 0x504C
    private let vni: UInt32 = 7001
    private let local = IPv4Address("198.18.0.1")!
    private let remotes = [IPv4Address("198.18.0.2")!, IPv4Address("198.18.0.3")!]
    private let vmMAC = MACAddress("02:00:00:00:aa:01")!

    override func setUpWithError() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
    }

    private struct Indices {
        var underlay: Int32, bridge: Int32, vxlan: Int32, tap: Int32
    }

    /// Builds the agent's virtio plumbing for one VNI and returns the new devices' indices.
    private func buildPlumbing(in ns: NetworkNamespace) throws -> Indices {
        try ns.ip("link", "add", "ul0", "type", "veth", "peer", "name", "ul1")
        return try ns.run { [self] in
            let socket = try NetlinkSocket(logger: logger)
            let underlay = try XCTUnwrap(socket.links().first { $0.name == "ul0" }).index
            let bridge = try socket.createBridge(name: "plbr7001", mtu: 1450, group: plumbGroup, alias: "plumb:net-a")
            let vxlan = try socket.createVXLAN(VXLANSpec(name: "plvx7001", vni: vni, local: local, underlayIndex: underlay,
                                                         mtu: 1450, group: plumbGroup, alias: "plumb:vni-7001"))
            let tap = try socket.createTap(TapSpec(name: "pltap1", ownerUID: 4242, ownerGID: 4343, mtu: 1450,
                                                   group: plumbGroup, alias: "plumb:vm1/nic0"))
            try socket.setLink(index: vxlan, master: .attach(bridge), up: true)
            try socket.setLink(index: tap, master: .attach(bridge), up: true)
            try socket.setLink(index: bridge, up: true)
            try socket.setBridgePortIsolated(index: tap, isolated: true)
            for remote in remotes { try socket.addFDB(index: vxlan, mac: .zero, dst: remote) }
            try socket.addFDB(index: vxlan, mac: vmMAC, dst: remotes[0])
            return Indices(underlay: underlay, bridge: bridge, vxlan: vxlan, tap: tap)
        }
    }

    func testCreatedDevicesMatchWhatIproute2Reports() throws {
        try NetworkNamespace.with { ns in
            let ids = try buildPlumbing(in: ns)
            let links = Dictionary(uniqueKeysWithValues: try ns.ipJSON("-d", "link", "show").map { ($0["ifname"] as? String ?? "", $0) })

            let vxlan = try XCTUnwrap(links["plvx7001"])
            XCTAssertEqual(vxlan["ifindex"] as? Int, Int(ids.vxlan))
            XCTAssertEqual(vxlan["master"] as? String, "plbr7001")
            XCTAssertEqual(vxlan["mtu"] as? Int, 1450)
            XCTAssertEqual(vxlan["group"] as? String, String(plumbGroup))
            XCTAssertEqual(vxlan["ifalias"] as? String, "plumb:vni-7001")
            XCTAssertTrue((vxlan["flags"] as? [String] ?? []).contains("UP"))
            let vxlanInfo = try XCTUnwrap((vxlan["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
            XCTAssertEqual((vxlan["linkinfo"] as? [String: Any])?["info_kind"] as? String, "vxlan")
            XCTAssertEqual(vxlanInfo["id"] as? Int, Int(vni))
            XCTAssertEqual(vxlanInfo["local"] as? String, "198.18.0.1")
            XCTAssertEqual(vxlanInfo["port"] as? Int, 4789)
            XCTAssertEqual(vxlanInfo["learning"] as? Bool, false)
            XCTAssertEqual(vxlanInfo["link"] as? String, "ul0")

            let bridge = try XCTUnwrap(links["plbr7001"])
            XCTAssertEqual((bridge["linkinfo"] as? [String: Any])?["info_kind"] as? String, "bridge")
            XCTAssertEqual(bridge["mtu"] as? Int, 1450)
            XCTAssertEqual(bridge["group"] as? String, String(plumbGroup))
            XCTAssertEqual(bridge["ifalias"] as? String, "plumb:net-a")
            XCTAssertTrue((bridge["flags"] as? [String] ?? []).contains("UP"))

            let tap = try XCTUnwrap(links["pltap1"])
            XCTAssertEqual(tap["master"] as? String, "plbr7001")
            XCTAssertEqual(tap["mtu"] as? Int, 1450)
            XCTAssertEqual(tap["group"] as? String, String(plumbGroup))
            XCTAssertEqual(tap["ifalias"] as? String, "plumb:vm1/nic0")
            let tunInfo = try XCTUnwrap((tap["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
            XCTAssertEqual(tunInfo["type"] as? String, "tap")
            XCTAssertEqual(tunInfo["pi"] as? Bool, false)
            XCTAssertEqual(tunInfo["vnet_hdr"] as? Bool, true)
            XCTAssertEqual(tunInfo["persist"] as? Bool, true)
            XCTAssertEqual(tunInfo["user"] as? String ?? (tunInfo["user"] as? Int).map(String.init), "4242")
            XCTAssertEqual(tunInfo["group"] as? String ?? (tunInfo["group"] as? Int).map(String.init), "4343")

            let ports = Dictionary(uniqueKeysWithValues: try ns.bridgeJSON("-d", "link", "show").map { ($0["ifname"] as? String ?? "", $0) })
            XCTAssertEqual(ports["pltap1"]?["isolated"] as? Bool, true)
            XCTAssertEqual(ports["pltap1"]?["master"] as? String, "plbr7001")
            XCTAssertEqual(ports["plvx7001"]?["isolated"] as? Bool, false)
            XCTAssertEqual(ports["plvx7001"]?["master"] as? String, "plbr7001")

            let fdb = try ns.bridgeJSON("fdb", "show", "dev", "plvx7001")
                .filter { $0["dst"] != nil }
                .map { "\($0["mac"] as? String ?? "?") \($0["dst"] as? String ?? "?") \(($0["flags"] as? [String] ?? []).contains("self")) \($0["state"] as? String ?? "?")" }
            XCTAssertEqual(Set(fdb), [
                "00:00:00:00:00:00 198.18.0.2 true permanent",
                "00:00:00:00:00:00 198.18.0.3 true permanent",
                "02:00:00:00:aa:01 198.18.0.2 true permanent",
            ])
            XCTAssertEqual(fdb.count, 3)
        }
    }

    func testOwnDumpsReadBackTheSameState() throws {
        try NetworkNamespace.with { ns in
            let ids = try buildPlumbing(in: ns)
            let (links, fdb) = try ns.run { [self] in
                let socket = try NetlinkSocket(logger: logger)
                return (try socket.links(), try socket.bridgeFDB())
            }
            let byName = Dictionary(uniqueKeysWithValues: links.map { ($0.name, $0) })
            // Made here without an address generation mode: the kernel's default, eui64 (0).
            XCTAssertEqual(byName["plvx7001"], KernelLink(
                index: ids.vxlan, name: "plvx7001", kind: "vxlan", masterIndex: ids.bridge, mtu: 1450, isUp: true,
                group: plumbGroup, alias: "plumb:vni-7001", mac: byName["plvx7001"]?.mac,
                vxlan: KernelVXLAN(vni: vni, local: local, port: 4789, learning: false, underlayIndex: ids.underlay),
                bridgePortIsolated: false, bridgePortVLANTunnel: false, ipv6AddressGenerationMode: 0))
            // A kernel without VLAN-filtering bridges reports no VLAN settings at all; one with them, filtering off
            // and 802.1Q, as iproute2 shows.
            let bridgeData = (try XCTUnwrap(ns.ipJSON("-d", "link", "show", "dev", "plbr7001").first)["linkinfo"]
                as? [String: Any])?["info_data"] as? [String: Any]
            let vlanSettings = bridgeData?["vlan_filtering"] == nil ? nil : KernelBridge(
                vlanFiltering: bridgeData?["vlan_filtering"] as? Int == 1,
                vlanProtocol: bridgeData?["vlan_protocol"] as? String == "802.1ad" ? 0x88A8 : 0x8100)
            XCTAssertEqual(byName["plbr7001"], KernelLink(
                index: ids.bridge, name: "plbr7001", kind: "bridge", mtu: 1450, isUp: true, group: plumbGroup,
                alias: "plumb:net-a", mac: byName["plbr7001"]?.mac, bridge: vlanSettings, ipv6AddressGenerationMode: 0))
            XCTAssertEqual(byName["pltap1"], KernelLink(
                index: ids.tap, name: "pltap1", kind: "tun", masterIndex: ids.bridge, mtu: 1450, isUp: true,
                group: plumbGroup, alias: "plumb:vm1/nic0", mac: byName["pltap1"]?.mac,
                tun: KernelTun(isTap: true, vnetHeader: true, persistent: true, ownerUID: 4242, ownerGID: 4343),
                bridgePortIsolated: true, bridgePortVLANTunnel: false, ipv6AddressGenerationMode: 0))
            XCTAssertEqual(byName["ul0"]?.kind, "veth")
            XCTAssertNil(byName["ul0"]?.bridgePortIsolated)
            XCTAssertEqual(byName["lo"]?.group, 0)

            // The MACs the dump reports are the ones iproute2 reports.
            let ipLinks = try ns.ipJSON("link", "show")
            for link in ipLinks where (link["ifname"] as? String)?.hasPrefix("pl") == true {
                XCTAssertEqual(byName[link["ifname"] as! String]?.mac?.description, link["address"] as? String)
            }

            let vxlanEntries = fdb.filter { $0.index == ids.vxlan && $0.dst != nil }
            XCTAssertEqual(Set(vxlanEntries.map { "\($0.mac) \($0.dst!) \($0.isSelf) \($0.isPermanent)" }), [
                "00:00:00:00:00:00 198.18.0.2 true true",
                "00:00:00:00:00:00 198.18.0.3 true true",
                "02:00:00:00:aa:01 198.18.0.2 true true",
            ])
            XCTAssertEqual(vxlanEntries.count, 3)
            // The bridge's own entries for its ports carry the master.
            XCTAssertTrue(fdb.contains { $0.index == ids.tap && $0.master == ids.bridge })
        }
    }

    func testChangesAndDeletionsAreSeenByIproute2() throws {
        try NetworkNamespace.with { ns in
            let ids = try buildPlumbing(in: ns)
            try ns.run { [self] in
                let socket = try NetlinkSocket(logger: logger)
                try socket.setBridgePortIsolated(index: ids.tap, isolated: false)
                try socket.setLink(index: ids.tap, master: .detach, up: false, mtu: 1400, group: 0, alias: "")
                try socket.deleteFDB(index: ids.vxlan, mac: .zero, dst: remotes[1])
            }
            let tap = try XCTUnwrap(ns.ipJSON("-d", "link", "show", "pltap1").first)
            XCTAssertNil(tap["master"])
            XCTAssertEqual(tap["mtu"] as? Int, 1400)
            XCTAssertEqual(tap["group"] as? String, "default")
            XCTAssertNil(tap["ifalias"])
            XCTAssertFalse((tap["flags"] as? [String] ?? []).contains("UP"))
            let flood = try ns.bridgeJSON("fdb", "show", "dev", "plvx7001")
                .filter { $0["mac"] as? String == "00:00:00:00:00:00" }.compactMap { $0["dst"] as? String }
            XCTAssertEqual(flood, ["198.18.0.2"])

            try ns.run { [self] in
                let socket = try NetlinkSocket(logger: logger)
                for index in [ids.tap, ids.vxlan, ids.bridge] { try socket.deleteLink(index: index) }
                XCTAssertEqual(Set(try socket.links().map(\.name)), ["lo", "ul0", "ul1"])
            }
            XCTAssertEqual(Set(try ns.ipJSON("link", "show").compactMap { $0["ifname"] as? String }), ["lo", "ul0", "ul1"])
            XCTAssertTrue(try ns.bridgeJSON("fdb", "show").filter { $0["dst"] != nil }.isEmpty)
        }
    }

    func testKernelRefusalsBecomeErrorsNamingOperationDeviceAndErrno() throws {
        try NetworkNamespace.with { ns in
            _ = try buildPlumbing(in: ns)
            try ns.run { [self] in
                let socket = try NetlinkSocket(logger: logger)
                XCTAssertThrowsError(try socket.createVXLAN(VXLANSpec(name: "plvx7001", vni: 7002, local: local))) { error in
                    let error = error as? NetlinkError
                    XCTAssertEqual(error?.operation, "create vxlan")
                    XCTAssertEqual(error?.device, "plvx7001")
                    XCTAssertEqual(error?.code, EEXIST)
                }
                XCTAssertThrowsError(try socket.createTap(TapSpec(name: "pltap1"))) { error in
                    XCTAssertEqual((error as? NetlinkError)?.code, EEXIST)
                }
                XCTAssertThrowsError(try socket.setLink(index: 9999, up: true)) { error in
                    XCTAssertEqual((error as? NetlinkError)?.code, ENODEV)
                    XCTAssertEqual((error as? NetlinkError)?.device, "ifindex 9999")
                }
                // Input refused before anything is sent: no device appears.
                XCTAssertThrowsError(try socket.createBridge(name: "plbr-bad", alias: String(repeating: "a", count: 300))) { error in
                    XCTAssertNil((error as? NetlinkError)?.code)
                    XCTAssertTrue((error as? NetlinkError)?.message.contains("alias") == true)
                }
                XCTAssertFalse(try socket.links().contains { $0.name == "plbr-bad" })
            }
        }
    }

    func testTapCreationFromAThreadInAnotherNamespaceIsRefused() throws {
        try NetworkNamespace.with { ns in
            let socket = try ns.run { [self] in try NetlinkSocket(logger: logger) }
            // This test thread is in the original namespace: the tap would land there, not in the socket's.
            XCTAssertThrowsError(try socket.createTap(TapSpec(name: "pltapwrong"))) { error in
                XCTAssertTrue((error as? NetlinkError)?.message.contains("another network namespace") == true, "\(error)")
            }
            XCTAssertFalse(try socket.links().contains { $0.name == "pltapwrong" })
            XCTAssertNotEqual(try NetworkNamespace.Command.execute("ip", ["link", "show", "pltapwrong"]).status, 0)
        }
    }
}
