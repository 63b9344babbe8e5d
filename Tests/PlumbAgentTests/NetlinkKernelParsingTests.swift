import CNetlink
import Glibc
import PlumbModel
@testable import PlumbNetlink
import XCTest

/// Parsing of what the kernel sends: link dumps (including VF details this machine's kernel cannot produce),
/// FDB dumps and acknowledgements. The VF attributes are written out as the kernel's `rtnl_fill_vfinfo`
/// lays out its structs.
final class NetlinkKernelParsingTests: XCTestCase {
    private func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    private func linkMessage(index: Int32, flags: UInt32, _ attributes: [NetlinkAttribute]) throws -> NetlinkMessage {
        let bytes = NetlinkMessage(type: UInt16(RTM_NEWLINK), flags: UInt16(NLM_F_MULTI),
                                   familyHeader: InterfaceInfoHeader(index: index, flags: flags).encoded,
                                   attributes: attributes).encoded
        return try NetlinkMessage(XCTUnwrap(RawNetlinkMessage.split(bytes).first), familyHeaderSize: InterfaceInfoHeader.size)
    }

    func testVXLANBridgePortIsRead() throws {
        let link = try KernelLink(linkMessage(index: 7, flags: UInt32(IFF_UP | IFF_BROADCAST), [
            .string(IFLA_IFNAME, "plvx7001"), .u32(IFLA_MTU, 1450), .u32(IFLA_MASTER, 5), .u32(IFLA_GROUP, 0x504C),
            .string(IFLA_IFALIAS, "plumb:vni-7001"), .bytes(IFLA_ADDRESS, [0xAE, 0x18, 0x8D, 0x25, 0xA0, 0x3D]),
            .nested(IFLA_LINKINFO, [
                .string(IFLA_INFO_KIND, "vxlan"),
                .nested(IFLA_INFO_DATA, [
                    .u32(IFLA_VXLAN_ID, 7001), .u32(IFLA_VXLAN_LINK, 2), .bytes(IFLA_VXLAN_LOCAL, [198, 18, 0, 1]),
                    .u8(IFLA_VXLAN_LEARNING, 0), .bytes(IFLA_VXLAN_PORT, [0x12, 0xB5]),
                ]),
                .string(IFLA_INFO_SLAVE_KIND, "bridge"),
                .nested(IFLA_INFO_SLAVE_DATA, [.u8(IFLA_BRPORT_STATE, 3), .u8(IFLA_BRPORT_ISOLATED, 1)]),
            ]),
        ]))
        XCTAssertEqual(link, KernelLink(
            index: 7, name: "plvx7001", kind: "vxlan", masterIndex: 5, mtu: 1450, isUp: true, group: 0x504C,
            alias: "plumb:vni-7001", mac: MACAddress("ae:18:8d:25:a0:3d"),
            vxlan: KernelVXLAN(vni: 7001, local: IPv4Address("198.18.0.1"), port: 4789, learning: false, underlayIndex: 2),
            bridgePortIsolated: true))
    }

    func testDownDeviceWithoutMasterOrLinkInfo() throws {
        let link = try KernelLink(linkMessage(index: 2, flags: 0, [.string(IFLA_IFNAME, "eth0"), .u32(IFLA_MTU, 9000)]))
        XCTAssertEqual(link, KernelLink(index: 2, name: "eth0", mtu: 9000, isUp: false))
        XCTAssertThrowsError(try KernelLink(linkMessage(index: 2, flags: 0, [.u32(IFLA_MTU, 9000)])))
    }

    func testPFWithVFsIsRead() throws {
        func vfInfo(_ vf: UInt32, mac: [UInt8], vlan: UInt32, qos: UInt32, proto: [UInt8], spoof: UInt32, trust: UInt32,
                    state: UInt32) -> NetlinkAttribute {
            .nested(IFLA_VF_INFO, [
                .bytes(IFLA_VF_MAC, u32(vf) + mac + [UInt8](repeating: 0, count: 26)),          // struct ifla_vf_mac
                .bytes(IFLA_VF_BROADCAST, [UInt8](repeating: 0xFF, count: 6) + [UInt8](repeating: 0, count: 26)),
                .bytes(IFLA_VF_VLAN, u32(vf) + u32(vlan) + u32(qos)),                             // struct ifla_vf_vlan
                .nested(IFLA_VF_VLAN_LIST, [.bytes(IFLA_VF_VLAN_INFO, u32(vf) + u32(vlan) + u32(qos) + proto + [0, 0])]),
                .bytes(IFLA_VF_TX_RATE, u32(vf) + u32(0)),
                .bytes(IFLA_VF_RATE, u32(vf) + u32(0) + u32(0)),
                .bytes(IFLA_VF_SPOOFCHK, u32(vf) + u32(spoof)),
                .bytes(IFLA_VF_LINK_STATE, u32(vf) + u32(state)),
                .bytes(IFLA_VF_RSS_QUERY_EN, u32(vf) + u32(UInt32.max)),
                .bytes(IFLA_VF_TRUST, u32(vf) + u32(trust)),
                .nested(IFLA_VF_STATS, [.bytes(IFLA_VF_STATS_RX_PACKETS, [UInt8](repeating: 0, count: 8))]),
            ])
        }
        let link = try KernelLink(linkMessage(index: 3, flags: UInt32(IFF_UP), [
            .string(IFLA_IFNAME, "enp1s0f0"), .u32(IFLA_MTU, 1500), .u32(IFLA_NUM_VF, 2),
            .nested(IFLA_VFINFO_LIST, [
                vfInfo(0, mac: [2, 0, 0, 0, 0, 1], vlan: 101, qos: 0, proto: [0x88, 0xA8], spoof: 1, trust: 0, state: 0),
                vfInfo(1, mac: [0, 0, 0, 0, 0, 0], vlan: 0, qos: 0, proto: [0x81, 0x00], spoof: UInt32.max, trust: 1, state: 2),
            ]),
        ]))
        XCTAssertEqual(link.vfs, [
            KernelVF(index: 0, mac: MACAddress("02:00:00:00:00:01")!, vlan: 101, vlanProtocol: .dot1ad, spoofcheck: true,
                     trust: false, linkState: .auto),
            KernelVF(index: 1, mac: .zero, vlan: 0, vlanProtocol: .dot1q, spoofcheck: nil, trust: true, linkState: .disable),
        ])
    }

    func testLegacyVLANOnlyDriverLeavesProtocolUnknown() throws {
        let vf = try KernelVF([
            .bytes(IFLA_VF_MAC, u32(4) + [2, 0, 0, 0, 0, 9] + [UInt8](repeating: 0, count: 26)),
            .bytes(IFLA_VF_VLAN, u32(4) + u32(300) + u32(5)),
        ])
        XCTAssertEqual(vf, KernelVF(index: 4, mac: MACAddress("02:00:00:00:00:09")!, vlan: 300, qos: 5))
    }

    func testTapIsRead() throws {
        let link = try KernelLink(linkMessage(index: 9, flags: 0, [
            .string(IFLA_IFNAME, "pltap1"), .u32(IFLA_MTU, 1500),
            .nested(IFLA_LINKINFO, [.string(IFLA_INFO_KIND, "tun"), .nested(IFLA_INFO_DATA, [
                .u32(IFLA_TUN_OWNER, 4242), .u32(IFLA_TUN_GROUP, 4343), .u8(IFLA_TUN_TYPE, UInt8(IFF_TAP)),
                .u8(IFLA_TUN_PI, 0), .u8(IFLA_TUN_VNET_HDR, 1), .u8(IFLA_TUN_PERSIST, 1),
            ])]),
        ]))
        XCTAssertEqual(link.tun, KernelTun(isTap: true, vnetHeader: true, persistent: true, ownerUID: 4242, ownerGID: 4343))
        XCTAssertNil(link.bridgePortIsolated)
    }

    func testFDBEntriesAreRead() throws {
        func entry(_ header: NeighbourHeader, _ attributes: [NetlinkAttribute]) throws -> KernelFDBEntry? {
            let bytes = NetlinkMessage(type: UInt16(RTM_NEWNEIGH), flags: UInt16(NLM_F_MULTI), familyHeader: header.encoded,
                                       attributes: attributes).encoded
            return try KernelFDBEntry(NetlinkMessage(XCTUnwrap(RawNetlinkMessage.split(bytes).first), familyHeaderSize: NeighbourHeader.size))
        }
        let flood = try entry(NeighbourHeader(family: UInt8(AF_BRIDGE), index: 7, state: UInt16(NUD_PERMANENT), flags: UInt8(NTF_SELF)),
                              [.bytes(NDA_LLADDR, [0, 0, 0, 0, 0, 0]), .bytes(NDA_DST, [198, 18, 0, 2]), .u32(NDA_VNI, 7001)])
        XCTAssertEqual(flood, KernelFDBEntry(index: 7, mac: .zero, dst: IPv4Address("198.18.0.2"), vni: 7001, isPermanent: true, isSelf: true))
        let learned = try entry(NeighbourHeader(family: UInt8(AF_BRIDGE), index: 9, state: UInt16(NUD_REACHABLE), flags: UInt8(NTF_MASTER)),
                                [.bytes(NDA_LLADDR, [2, 0, 0, 0, 0xAA, 1]), .u32(NDA_MASTER, 5), .u16(NDA_VLAN, 1)])
        XCTAssertEqual(learned, KernelFDBEntry(index: 9, mac: MACAddress("02:00:00:00:aa:01")!, isPermanent: false, isSelf: false, master: 5, vlan: 1))
        XCTAssertNil(try entry(NeighbourHeader(family: UInt8(AF_BRIDGE), index: 9), []))
    }

    func testAcknowledgementCarriesErrnoAndExtendedAckMessage() throws {
        // errno -EOPNOTSUPP, the capped request header, then NLMSGERR_ATTR_MSG.
        var body = u32(UInt32(bitPattern: -EOPNOTSUPP)) + [UInt8](repeating: 0, count: 16)
        body += NetlinkAttribute.string(NLMSGERR_ATTR_MSG.rawValue, "Unknown device type").encoded
        let raw = RawNetlinkMessage(type: UInt16(NLMSG_ERROR), flags: UInt16(NLM_F_CAPPED | NLM_F_ACK_TLVS), sequence: 1, portID: 0, body: body)
        let refusal = try NetlinkAcknowledgement(raw)
        XCTAssertEqual(refusal.errno, EOPNOTSUPP)
        XCTAssertEqual(refusal.detail, "Unknown device type")
        let plainAck = RawNetlinkMessage(type: UInt16(NLMSG_ERROR), flags: 0, sequence: 1, portID: 0, body: [UInt8](repeating: 0, count: 20))
        let ack = try NetlinkAcknowledgement(plainAck)
        XCTAssertEqual(ack.errno, 0)
        XCTAssertNil(ack.detail)
    }
}
