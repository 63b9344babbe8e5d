import CNetlink
import Glibc
import PlumbModel
import PlumbNetlink
import PlumbTestSupport
import XCTest

/// The leaf switch's hand-built requests (VLAN-aware bridge, `external vnifilter` VXLAN device, port VLANs, VLAN→VNI
/// mappings, VNI filter, per-VNI and static bridge forwarding entries) compared byte for byte with what iproute2 sends
/// for the same change, as `NetlinkRequestsVsIproute2Tests` does for the hypervisor's.
///
/// This machine's kernel has no VLAN-filtering bridges and refuses several of these requests: what is compared is what
/// iproute2 sent, captured before the kernel answered. `LeafKernelTests` applies them on a kernel that accepts them.
final class LeafNetlinkRequestsVsIproute2Tests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
        try XCTSkipUnless((try? NetworkNamespace.Command.execute("strace", ["-V"]).status) == 0, "needs strace")
    }

    /// A namespace with a bridge `br0` holding veth port `p0` (peer `p1`) and a VXLAN device `vx0` in `external
    /// vnifilter` mode (this kernel makes those, it only lacks VLAN filtering on the bridge).
    private func withLeafNamespace(_ body: (NetworkNamespace) throws -> Void) throws {
        try NetworkNamespace.with { ns in
            try ns.ip("link", "add", "br0", "type", "bridge")
            try ns.ip("link", "add", "p0", "type", "veth", "peer", "name", "p1")
            try ns.ip("link", "set", "p0", "master", "br0")
            try ns.ip("link", "add", "vx0", "type", "vxlan", "dstport", "4789", "local", "198.18.0.1", "nolearning",
                      "external", "vnifilter")
            try ns.ip("link", "set", "vx0", "master", "br0")
            try body(ns)
        }
    }

    func testVLANBridgeCreationMatchesIproute2() throws {
        try withLeafNamespace { ns in
            for vlanProtocol in [VLANProtocol.dot1q, .dot1ad] {
                let (messages, _) = try NetlinkIproute2Capture.sentMessages("ip", [
                    "-n", ns.name, "link", "add", "brv", "type", "bridge", "vlan_filtering", "1", "vlan_default_pvid", "0",
                    "vlan_protocol", vlanProtocol.rawValue,
                ])
                try assertSameRequest(try .createVLANBridge(name: "brv", vlanProtocol: vlanProtocol),
                                      try onlyRequest(withAttribute: IFLA_LINKINFO, in: messages))
            }
        }
    }

    func testExternalVXLANCreationMatchesIproute2WithAndWithoutUnderlay() throws {
        try withLeafNamespace { ns in
            let underlay = try index(of: "p1", in: ns)
            for (name, dev) in [("vxa", [String]()), ("vxb", ["dev", "p1"])] {
                let (messages, output) = try NetlinkIproute2Capture.sentMessages("ip", [
                    "-n", ns.name, "link", "add", name, "type", "vxlan", "dstport", "4789", "local", "198.18.0.1",
                ] + dev + ["nolearning", "external", "vnifilter"])
                XCTAssertEqual(output.status, 0, output.standardError)
                let ours = try NetlinkMessage.createExternalVXLAN(name: name, local: IPv4Address("198.18.0.1")!, port: 4789,
                                                                  underlayIndex: dev.isEmpty ? nil : underlay)
                try assertSameRequest(ours, try onlyRequest(withAttribute: IFLA_LINKINFO, in: messages))
            }
            // iproute2 reads the device back as it asked for it.
            let vxb = try XCTUnwrap(ns.ipJSON("-d", "link", "show", "dev", "vxb").first)
            let data = try XCTUnwrap((vxb["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])
            XCTAssertEqual(data["external"] as? Bool, true)
            XCTAssertEqual(data["vnifilter"] as? Bool, true)
            XCTAssertEqual(data["link"] as? String, "p1")
        }
    }

    func testPortVLANRequestsMatchIproute2() throws {
        try withLeafNamespace { ns in
            let p0 = try index(of: "p0", in: ns)
            let cases: [(arguments: [String], ours: NetlinkMessage)] = [
                (["add", "dev", "p0", "vid", "100", "pvid", "untagged"], try .bridgeVLAN(add: true, port: p0, vlan: 100, mode: .access)),
                (["add", "dev", "p0", "vid", "101"], try .bridgeVLAN(add: true, port: p0, vlan: 101, mode: .tagged)),
                (["del", "dev", "p0", "vid", "101"], try .bridgeVLAN(add: false, port: p0, vlan: 101, mode: .tagged)),
                // A guest-VLAN network's VXLAN port: the VLAN is its PVID and leaves tagged.
                (["add", "dev", "p0", "vid", "103", "pvid"], try .bridgeVLAN(add: true, port: p0, vlan: 103, mode: .pvid)),
            ]
            for (arguments, ours) in cases {
                let (messages, _) = try NetlinkIproute2Capture.sentMessages("bridge", ["-n", ns.name, "vlan"] + arguments)
                try assertSameRequest(ours, try onlyRequest(withAttribute: IFLA_AF_SPEC, in: messages))
            }
        }
    }

    func testVLANTunnelRequestsMatchIproute2() throws {
        try withLeafNamespace { ns in
            let vx0 = try index(of: "vx0", in: ns)
            for (word, add) in [("add", true), ("del", false)] {
                let (messages, _) = try NetlinkIproute2Capture.sentMessages("bridge", [
                    "-n", ns.name, "vlan", word, "dev", "vx0", "vid", "100", "tunnel_info", "id", "5000",
                ])
                try assertSameRequest(try .bridgeVLANTunnel(add: add, port: vx0, vlan: 100, vni: 5000),
                                      try onlyRequest(withAttribute: IFLA_AF_SPEC, in: messages))
            }
            for (word, on) in [("on", true), ("off", false)] {
                let (messages, output) = try NetlinkIproute2Capture.sentMessages("bridge", [
                    "-n", ns.name, "link", "set", "dev", "vx0", "vlan_tunnel", word,
                ])
                XCTAssertEqual(output.status, 0, output.standardError)
                try assertSameRequest(try .setBridgePortVLANTunnel(index: vx0, on: on),
                                      try onlyRequest(withAttribute: IFLA_PROTINFO, in: messages))
            }
        }
    }

    func testVNIFilterRequestsMatchIproute2AndTheKernelKeepsThem() throws {
        try withLeafNamespace { ns in
            let vx0 = try index(of: "vx0", in: ns)
            for (word, add) in [("add", true), ("delete", false)] {
                let (messages, output) = try NetlinkIproute2Capture.sentMessages("bridge", [
                    "-n", ns.name, "vni", word, "dev", "vx0", "vni", "5000",
                ])
                XCTAssertEqual(output.status, 0, output.standardError)
                let ours = try NetlinkMessage.vniFilter(add: add, device: vx0, vni: 5000)
                let theirs = messages.filter { $0.type == ours.type }
                XCTAssertEqual(theirs.count, 1, "bridge vni \(word) should send one request")
                try assertSameRequest(ours, try XCTUnwrap(theirs.first), familyHeaderSize: TunnelHeader.size)
            }
        }
    }

    func testLeafFDBRequestsMatchIproute2() throws {
        try withLeafNamespace { ns in
            let vx0 = try index(of: "vx0", in: ns)
            let p0 = try index(of: "p0", in: ns)
            let remote = IPv4Address("198.18.0.2")!
            let vm = MACAddress("02:00:00:00:aa:01")!
            let cases: [(arguments: [String], ours: NetlinkMessage)] = [
                (["append", "00:00:00:00:00:00", "dev", "vx0", "dst", "198.18.0.2", "src_vni", "5000", "self", "permanent"],
                 try .addVNIFDB(index: vx0, mac: .zero, dst: remote, vni: 5000)),
                (["replace", "02:00:00:00:aa:01", "dev", "vx0", "dst", "198.18.0.2", "src_vni", "5000", "self", "permanent"],
                 try .addVNIFDB(index: vx0, mac: vm, dst: remote, vni: 5000)),
                (["del", "02:00:00:00:aa:01", "dev", "vx0", "dst", "198.18.0.2", "src_vni", "5000", "self"],
                 try .deleteVNIFDB(index: vx0, mac: vm, dst: remote, vni: 5000)),
                (["replace", "02:00:00:00:aa:01", "dev", "p0", "vlan", "100", "master", "static"],
                 try .addStaticBridgeFDB(port: p0, mac: vm, vlan: 100)),
                (["del", "02:00:00:00:aa:01", "dev", "p0", "vlan", "100", "master"],
                 try .deleteStaticBridgeFDB(port: p0, mac: vm, vlan: 100)),
            ]
            for (arguments, ours) in cases {
                let (messages, _) = try NetlinkIproute2Capture.sentMessages("bridge", ["-n", ns.name, "fdb"] + arguments)
                let theirs = messages.filter { $0.type == ours.type }
                XCTAssertEqual(theirs.count, 1, "bridge fdb \(arguments[0]) should send one request")
                try assertSameRequest(ours, try XCTUnwrap(theirs.first), familyHeaderSize: NeighbourHeader.size)
            }
        }
    }

    func testOutOfRangeVLANsAndVNIsAreRefusedBeforeTheKernel() {
        XCTAssertThrowsError(try NetlinkMessage.bridgeVLAN(add: true, port: 3, vlan: 4095, mode: .tagged)) { error in
            XCTAssertEqual((error as? NetlinkError)?.message.contains("vlan"), true, "\(error)")
        }
        XCTAssertThrowsError(try NetlinkMessage.bridgeVLANTunnel(add: true, port: 3, vlan: 100, vni: 0x100_0000))
        XCTAssertThrowsError(try NetlinkMessage.vniFilter(add: true, device: 3, vni: 0))
        XCTAssertThrowsError(try NetlinkMessage.addStaticBridgeFDB(port: 3, mac: MACAddress("02:00:00:00:aa:01")!, vlan: 0))
    }
}
