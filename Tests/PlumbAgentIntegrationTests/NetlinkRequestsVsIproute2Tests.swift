import CNetlink
import Glibc
import Logging
import PlumbModel
import PlumbNetlink
import PlumbTestSupport
import XCTest

/// The hand-built requests (VF settings, bridge port `isolated`, VXLAN FDB entries) compared byte for byte with
/// what iproute2 sends for the same change, captured with strace in a fresh namespace. Only the sequence number,
/// port id and length in `nlmsghdr` are left out; message type and flags, the family header (`ifinfomsg` / `ndmsg`)
/// and every attribute at every nesting level must be identical, in order: the builders emit attributes in the
/// order iproute2 does for the command lines used here, so no set comparison is needed.
final class NetlinkRequestsVsIproute2Tests: XCTestCase {
    private let logger = Logger(label: "netlink-request-test")

    override func setUpWithError() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
        try XCTSkipUnless((try? NetworkNamespace.Command.execute("strace", ["-V"]).status) == 0, "needs strace")
    }

    private func checkVFRequest(protocolName: String, protocolID: VLANProtocol) throws {
        try NetworkNamespace.with { ns in
            // This kernel has no SR-IOV (and no dummy driver): a veth stands in as the "PF"; the kernel refuses
            // the change with EOPNOTSUPP, after iproute2 has sent the request we capture.
            try ns.ip("link", "add", "d0", "type", "veth", "peer", "name", "d1")
            let pf = try index(of: "d0", in: ns)
            let (messages, output) = try NetlinkIproute2Capture.sentMessages("ip", [
                "-n", ns.name, "link", "set", "dev", "d0", "vf", "3", "mac", "02:00:00:00:00:01", "vlan", "101",
                "proto", protocolName, "spoofchk", "on", "trust", "off", "state", "auto",
            ])
            XCTAssertNotEqual(output.status, 0, "the kernel has no VFs on d0 and should refuse")
            let theirs = try onlyRequest(withAttribute: IFLA_VFINFO_LIST, in: messages)
            let ours = try NetlinkMessage.setVF(pfIndex: pf, VFSettings(
                index: 3, mac: MACAddress("02:00:00:00:00:01")!, vlan: VFVLAN(id: 101, protocolID: protocolID),
                spoofcheck: true, trust: false, linkState: .auto))
            try assertSameRequest(ours, theirs)

            // Sent through the socket, the kernel refuses ours exactly as it refused iproute2's.
            try ns.run { [self] in
                let socket = try NetlinkSocket(logger: logger)
                XCTAssertThrowsError(try socket.setVF(pfIndex: pf, VFSettings(
                    index: 3, mac: MACAddress("02:00:00:00:00:01")!, vlan: VFVLAN(id: 101, protocolID: protocolID),
                    spoofcheck: true, trust: false, linkState: .auto))) { error in
                    XCTAssertEqual((error as? NetlinkError)?.code, EOPNOTSUPP)
                    XCTAssertEqual((error as? NetlinkError)?.operation, "set vf 3")
                }
            }
        }
    }

    func testVFRequestWith8021adMatchesIproute2() throws {
        try checkVFRequest(protocolName: "802.1ad", protocolID: .dot1ad)
    }

    func testVFRequestWith8021QMatchesIproute2() throws {
        try checkVFRequest(protocolName: "802.1Q", protocolID: .dot1q)
    }

    func testBridgePortIsolatedRequestMatchesIproute2() throws {
        try NetworkNamespace.with { ns in
            try ns.ip("link", "add", "br0", "type", "bridge")
            try ns.ip("link", "add", "p0", "type", "veth", "peer", "name", "p1")
            try ns.ip("link", "set", "p0", "master", "br0")
            let port = try index(of: "p0", in: ns)
            for (word, isolated) in [("on", true), ("off", false)] {
                let (messages, output) = try NetlinkIproute2Capture.sentMessages("bridge", [
                    "-n", ns.name, "link", "set", "dev", "p0", "isolated", word,
                ])
                XCTAssertEqual(output.status, 0, output.standardError)
                let theirs = try onlyRequest(withAttribute: IFLA_PROTINFO, in: messages)
                try assertSameRequest(try NetlinkMessage.setBridgePortIsolated(index: port, isolated: isolated), theirs)
            }
            // And the kernel applies ours: iproute2 sees the flag.
            try ns.run { [self] in
                try NetlinkSocket(logger: logger).setBridgePortIsolated(index: port, isolated: true)
            }
            let p0 = try XCTUnwrap(ns.bridgeJSON("-d", "link", "show").first { $0["ifname"] as? String == "p0" })
            XCTAssertEqual(p0["isolated"] as? Bool, true)
        }
    }

    func testGroupDeletionRequestMatchesIproute2AndDeletesOnlyThatGroup() throws {
        try NetworkNamespace.with { ns in
            for name in ["a0", "a1"] { try ns.ip("link", "add", name, "group", "77", "type", "bridge") }
            try ns.ip("link", "add", "keep", "group", "78", "type", "bridge")
            let (messages, output) = try NetlinkIproute2Capture.sentMessages("ip", ["-n", ns.name, "link", "del", "group", "77"])
            XCTAssertEqual(output.status, 0, output.standardError)
            try assertSameRequest(NetlinkMessage.deleteGroup(77), try onlyRequest(withAttribute: IFLA_GROUP, in: messages))

            for name in ["b0", "b1"] { try ns.ip("link", "add", name, "group", "77", "type", "bridge") }
            try ns.run { [self] in try NetlinkSocket(logger: logger).deleteGroup(77) }
            let names = Set(try ns.ipJSON("link", "show").compactMap { $0["ifname"] as? String })
            XCTAssertEqual(names, ["lo", "keep"])
            // An empty group is refused, as iproute2's request is.
            try ns.run { [self] in
                XCTAssertThrowsError(try NetlinkSocket(logger: logger).deleteGroup(77)) { error in
                    XCTAssertEqual((error as? NetlinkError)?.code, ENODEV)
                }
            }
        }
    }

    func testFDBRequestsMatchIproute2() throws {
        try NetworkNamespace.with { ns in
            try ns.ip("link", "add", "vx0", "type", "vxlan", "id", "42", "local", "198.18.0.1", "dstport", "4789", "nolearning")
            let vxlan = try index(of: "vx0", in: ns)
            let remote = IPv4Address("198.18.0.2")!
            let vm = MACAddress("02:00:00:00:aa:01")!
            let cases: [(arguments: [String], ours: NetlinkMessage)] = [
                (["append", "00:00:00:00:00:00", "dev", "vx0", "dst", "198.18.0.2", "self", "permanent"],
                 try .addFDB(index: vxlan, mac: .zero, dst: remote)),
                (["replace", "02:00:00:00:aa:01", "dev", "vx0", "dst", "198.18.0.2", "self", "permanent"],
                 try .addFDB(index: vxlan, mac: vm, dst: remote)),
                (["del", "02:00:00:00:aa:01", "dev", "vx0", "dst", "198.18.0.2", "self"],
                 try .deleteFDB(index: vxlan, mac: vm, dst: remote)),
            ]
            for (arguments, ours) in cases {
                let (messages, output) = try NetlinkIproute2Capture.sentMessages("bridge", ["-n", ns.name, "fdb"] + arguments)
                XCTAssertEqual(output.status, 0, output.standardError)
                let theirs = messages.filter { $0.type == ours.type }
                XCTAssertEqual(theirs.count, 1, "bridge fdb \(arguments[0]) should send one request")
                try assertSameRequest(ours, XCTUnwrap(theirs.first), familyHeaderSize: NeighbourHeader.size)
            }
        }
    }

    func testAddressGenerationOffMatchesIproute2AndLeavesTheDeviceWithoutIPv6Address() throws {
        try NetworkNamespace.with { ns in
            try ns.ip("link", "add", "br0", "type", "bridge")
            let bridge = try index(of: "br0", in: ns)
            let (messages, output) = try NetlinkIproute2Capture.sentMessages("ip", [
                "-n", ns.name, "link", "set", "dev", "br0", "addrgenmode", "none",
            ])
            XCTAssertEqual(output.status, 0, output.standardError)
            let theirs = try onlyRequest(withAttribute: IFLA_AF_SPEC, in: messages)
            let ours = try NetlinkMessage.setLink(index: bridge, ipv6AddressGeneration: IPv6AddressGeneration.off)
            // iproute2 changes an existing device with RTM_NEWLINK (no NLM_F_CREATE), Plumb with RTM_SETLINK: the kernel
            // runs the same do_setlink for both. Everything after nlmsghdr must be identical.
            XCTAssertEqual(theirs.type, UInt16(RTM_NEWLINK))
            XCTAssertEqual(ours.type, UInt16(RTM_SETLINK))
            XCTAssertEqual(ours.flags, theirs.flags)
            let theirsParsed = try NetlinkMessage(theirs, familyHeaderSize: InterfaceInfoHeader.size)
            XCTAssertEqual(ours.familyHeader, theirsParsed.familyHeader)
            XCTAssertEqual(try tree(ours.attributes), try tree(theirsParsed.attributes))
            XCTAssertEqual(Array(ours.encoded.dropFirst(16)), theirs.body, "bytes after nlmsghdr")

            // Sent by Plumb to a device that is still down, the device comes up without any IPv6 address; one made
            // without it gets its link-local address on the way up.
            try ns.ip("link", "add", "br1", "type", "bridge")
            try ns.run { [self] in
                try NetlinkSocket(logger: logger).setLink(index: try index(of: "br1", in: ns), ipv6AddressGeneration: IPv6AddressGeneration.off)
            }
            try ns.ip("link", "add", "br2", "type", "bridge")
            for name in ["br1", "br2"] { try ns.ip("link", "set", name, "up") }
            let addresses = Dictionary(uniqueKeysWithValues: try ns.ipJSON("addr", "show").map {
                ($0["ifname"] as? String ?? "", ($0["addr_info"] as? [[String: Any]] ?? []).compactMap { $0["local"] as? String })
            })
            XCTAssertEqual(addresses["br1"], [])
            XCTAssertEqual(addresses["br2"]?.count, 1, "the control device gets its link-local address")
            let br1 = try XCTUnwrap(ns.ipJSON("-d", "link", "show", "dev", "br1").first)
            XCTAssertEqual(br1["inet6_addr_gen_mode"] as? String, "none")
        }
    }

    /// The kernel refuses the address generation mode in the request that creates a device (`EAFNOSUPPORT`, for
    /// iproute2 as for anyone): which is why Plumb sends it in the first request after creation, while the device is
    /// still down. If a kernel accepts it one day, this test says so and the mode can move into the creation request.
    func testKernelRefusesAddressGenerationModeOnCreation() throws {
        try NetworkNamespace.with { ns in
            let output = try NetworkNamespace.Command.execute("ip", ["-n", ns.name, "link", "add", "br0", "addrgenmode", "none",
                                                                     "type", "bridge"])
            XCTAssertNotEqual(output.status, 0)
            XCTAssertTrue(output.standardError.contains("Address family not supported"), output.standardError)
        }
    }

    func testAddressRequestsMatchIproute2() throws {
        try NetworkNamespace.with { ns in
            try ns.ip("link", "add", "br0", "type", "bridge")
            let bridge = try index(of: "br0", in: ns)
            let cases: [(address: String, ours: KernelAddress)] = [
                ("10.9.0.1/24", KernelAddress(index: bridge, family: .ipv4, octets: [10, 9, 0, 1], prefixLength: 24)),
                ("fe80::1/64", KernelAddress(index: bridge, family: .ipv6, octets: [0xfe, 0x80] + Array(repeating: 0, count: 13) + [1],
                                             prefixLength: 64)),
            ]
            for (text, address) in cases {
                try ns.ip("addr", "add", text, "dev", "br0")
                // Plumb's dump reads it back as iproute2 wrote it.
                let dumped = try ns.run { [self] in try NetlinkSocket(logger: logger).addresses().filter { $0.index == bridge } }
                XCTAssertEqual(dumped, [address])
                XCTAssertEqual(address.description, text)
                let (messages, output) = try NetlinkIproute2Capture.sentMessages("ip", ["-n", ns.name, "addr", "del", text, "dev", "br0"])
                XCTAssertEqual(output.status, 0, output.standardError)
                let theirs = messages.filter { $0.type == UInt16(RTM_DELADDR) }
                XCTAssertEqual(theirs.count, 1)
                try assertSameRequest(try NetlinkMessage.deleteAddress(address), XCTUnwrap(theirs.first), familyHeaderSize: AddressHeader.size)
                // And the kernel applies ours.
                try ns.ip("addr", "add", text, "dev", "br0")
                try ns.run { [self] in try NetlinkSocket(logger: logger).deleteAddress(address) }
                XCTAssertEqual(try ns.run { [self] in try NetlinkSocket(logger: logger).addresses().filter { $0.index == bridge } }, [])
            }
            // The dump request is the one `ip addr show` sends.
            let (messages, _) = try NetlinkIproute2Capture.sentMessages("ip", ["-n", ns.name, "addr", "show"])
            let dump = try XCTUnwrap(messages.first { $0.type == UInt16(RTM_GETADDR) })
            try assertSameRequest(NetlinkMessage.dumpAddresses(), dump, familyHeaderSize: AddressHeader.size)
        }
    }
}
