import CNetlink
import Glibc
import PlumbModel
@testable import PlumbNetlink
import XCTest

/// The pure request builders: which message type, flags, header and attributes each change produces,
/// and the field-naming errors for bad input.
final class NetlinkRequestBuilderTests: XCTestCase {
    func testCreateVXLANCarriesVNILocalPort4789NoLearningAndUnderlay() throws {
        let message = try NetlinkMessage.createVXLAN(VXLANSpec(
            name: "plvx7001", vni: 7001, local: IPv4Address("198.18.0.1")!, underlayIndex: 2, mtu: 1450, group: 0x504C))
        XCTAssertEqual(message.type, UInt16(RTM_NEWLINK))
        XCTAssertEqual(message.flags, UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL))
        XCTAssertEqual(message.attributes.first(IFLA_IFNAME)?.string, "plvx7001")
        XCTAssertEqual(message.attributes.first(IFLA_MTU)?.u32, 1450)
        XCTAssertEqual(message.attributes.first(IFLA_GROUP)?.u32, 0x504C)
        let info = try XCTUnwrap(message.attributes.first(IFLA_LINKINFO)).nestedAttributes()
        XCTAssertEqual(info.first(IFLA_INFO_KIND)?.string, "vxlan")
        let data = try XCTUnwrap(info.first(IFLA_INFO_DATA)).nestedAttributes()
        XCTAssertEqual(data.first(IFLA_VXLAN_ID)?.u32, 7001)
        XCTAssertEqual(data.first(IFLA_VXLAN_LOCAL)?.payload, [198, 18, 0, 1])
        XCTAssertEqual(data.first(IFLA_VXLAN_PORT)?.payload, [0x12, 0xB5], "4789 in network byte order")
        XCTAssertEqual(data.first(IFLA_VXLAN_LEARNING)?.payload, [0])
        XCTAssertEqual(data.first(IFLA_VXLAN_LINK)?.u32, 2)
    }

    func testCreateBridgeWithoutOptionalFields() throws {
        let message = try NetlinkMessage.createBridge(name: "plbr1")
        XCTAssertEqual(message.attributes.map(\.type), [UInt16(IFLA_IFNAME), UInt16(IFLA_LINKINFO)])
        XCTAssertEqual(try message.attributes[1].nestedAttributes(), [.bytes(IFLA_INFO_KIND, Array("bridge".utf8))])
    }

    func testSetLinkUpDownUsesFlagsAndChangeMask() throws {
        let up = try InterfaceInfoHeader(NetlinkMessage.setLink(index: 4, up: true).familyHeader)
        let down = try InterfaceInfoHeader(NetlinkMessage.setLink(index: 4, up: false).familyHeader)
        let untouched = try InterfaceInfoHeader(NetlinkMessage.setLink(index: 4, mtu: 1400).familyHeader)
        XCTAssertEqual([up.flags, up.change], [UInt32(IFF_UP), UInt32(IFF_UP)])
        XCTAssertEqual([down.flags, down.change], [0, UInt32(IFF_UP)])
        XCTAssertEqual([untouched.flags, untouched.change], [0, 0])
        XCTAssertEqual(up.index, 4)
    }

    func testSetLinkMasterAttachDetachAndAliasRemoval() throws {
        let attach = try NetlinkMessage.setLink(index: 4, master: .attach(9), group: 7, alias: "plumb:x")
        XCTAssertEqual(attach.type, UInt16(RTM_SETLINK))
        XCTAssertEqual(attach.attributes, [.u32(IFLA_MASTER, 9), .u32(IFLA_GROUP, 7), .string(IFLA_IFALIAS, "plumb:x")])
        let detach = try NetlinkMessage.setLink(index: 4, master: .detach, alias: "")
        XCTAssertEqual(detach.attributes, [.u32(IFLA_MASTER, 0), .string(IFLA_IFALIAS, "")])
    }

    func testAddressGenerationModeIsAnInet6NestInAFSpec() throws {
        let message = try NetlinkMessage.setLink(index: 4, alias: "plumb:vni 7", ipv6AddressGeneration: IPv6AddressGeneration.off)
        XCTAssertEqual(message.type, UInt16(RTM_SETLINK))
        XCTAssertEqual(message.attributes.map(\.type), [UInt16(IFLA_IFALIAS), UInt16(IFLA_AF_SPEC)])
        XCTAssertEqual(Array(message.attributes[1].encoded), [
            0x10, 0x00, 0x1a, 0x00,  // IFLA_AF_SPEC, 16 bytes, no NLA_F_NESTED (as iproute2)
            0x0c, 0x00, 0x0a, 0x00,  // AF_INET6, 12 bytes
            0x05, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_INET6_ADDR_GEN_MODE = IN6_ADDR_GEN_MODE_NONE, padded
        ])
    }

    func testAddressDeletionNamesTheAddressTwiceAndDumpAsksForEveryFamily() throws {
        let address = KernelAddress(index: 7, family: .ipv4, octets: [10, 9, 0, 1], prefixLength: 24)
        let deletion = try NetlinkMessage.deleteAddress(address)
        XCTAssertEqual(deletion.type, UInt16(RTM_DELADDR))
        XCTAssertEqual(deletion.flags, UInt16(NLM_F_REQUEST | NLM_F_ACK))
        XCTAssertEqual(deletion.familyHeader, [UInt8(AF_INET), 24, 0, 0, 7, 0, 0, 0])
        XCTAssertEqual(deletion.attributes, [.bytes(IFA_LOCAL, [10, 9, 0, 1]), .bytes(IFA_ADDRESS, [10, 9, 0, 1])])
        XCTAssertThrowsError(try NetlinkMessage.deleteAddress(KernelAddress(index: 7, family: .ipv6, octets: [1, 2, 3, 4], prefixLength: 64)))
        let dump = NetlinkMessage.dumpAddresses()
        XCTAssertEqual(dump.type, UInt16(RTM_GETADDR))
        XCTAssertEqual(dump.familyHeader, [UInt8](repeating: 0, count: 8), "AF_UNSPEC: IPv4 and IPv6")
    }

    func testBridgePortIsolatedIsNestedProtinfoInAnAFBridgeRequest() throws {
        let message = try NetlinkMessage.setBridgePortIsolated(index: 6, isolated: true)
        XCTAssertEqual(message.type, UInt16(RTM_SETLINK))
        XCTAssertEqual(try InterfaceInfoHeader(message.familyHeader), InterfaceInfoHeader(family: UInt8(AF_BRIDGE), index: 6))
        XCTAssertEqual(message.attributes.count, 1)
        XCTAssertEqual(message.attributes[0].rawType, UInt16(IFLA_PROTINFO) | UInt16(NLA_F_NESTED))
        XCTAssertEqual(try message.attributes[0].nestedAttributes(), [.u8(IFLA_BRPORT_ISOLATED, 1)])
    }

    func testFloodEntriesAppendAndMACEntriesReplace() throws {
        let flood = try NetlinkMessage.addFDB(index: 5, mac: .zero, dst: IPv4Address("198.18.0.2")!)
        let unicast = try NetlinkMessage.addFDB(index: 5, mac: MACAddress("02:00:00:00:aa:01")!, dst: IPv4Address("198.18.0.2")!)
        XCTAssertEqual(flood.flags, UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND))
        XCTAssertEqual(unicast.flags, UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE))
        XCTAssertEqual(try NeighbourHeader(flood.familyHeader),
                       NeighbourHeader(family: UInt8(AF_BRIDGE), index: 5, state: UInt16(NUD_NOARP | NUD_PERMANENT), flags: UInt8(NTF_SELF)))
        XCTAssertEqual(unicast.attributes, [.bytes(NDA_LLADDR, [2, 0, 0, 0, 0xAA, 1]), .bytes(NDA_DST, [198, 18, 0, 2])])
        let delete = try NetlinkMessage.deleteFDB(index: 5, mac: .zero, dst: IPv4Address("198.18.0.2")!)
        XCTAssertEqual(delete.type, UInt16(RTM_DELNEIGH))
        XCTAssertEqual(delete.attributes, flood.attributes)
    }

    func testGroupDeletionNamesTheGroupAndNoDevice() throws {
        let delete = NetlinkMessage.deleteGroup(0x5044)
        XCTAssertEqual(delete.type, UInt16(RTM_DELLINK))
        XCTAssertEqual(delete.flags, UInt16(NLM_F_REQUEST | NLM_F_ACK))
        XCTAssertEqual(try InterfaceInfoHeader(delete.familyHeader).index, 0)
        XCTAssertEqual(delete.attributes, [.u32(IFLA_GROUP, 0x5044)])
    }

    func testDumpRequestsAskForVFInfoAndBridgeFamily() throws {
        let links = NetlinkMessage.dumpLinks()
        XCTAssertEqual(links.flags, UInt16(NLM_F_REQUEST | NLM_F_DUMP))
        XCTAssertEqual(links.attributes, [.u32(IFLA_EXT_MASK, UInt32(RTEXT_FILTER_VF))])
        XCTAssertEqual(try NeighbourHeader(NetlinkMessage.dumpBridgeFDB().familyHeader).family, UInt8(AF_BRIDGE))
    }

    func testVFRequestLayout() throws {
        let message = try NetlinkMessage.setVF(pfIndex: 3, VFSettings(
            index: 3, mac: MACAddress("02:00:00:00:00:01")!, vlan: VFVLAN(id: 101, protocolID: .dot1ad),
            spoofcheck: true, trust: false, linkState: .disable))
        XCTAssertEqual(message.type, UInt16(RTM_NEWLINK))
        XCTAssertEqual(message.flags, UInt16(NLM_F_REQUEST | NLM_F_ACK))
        let list = try XCTUnwrap(message.attributes.first(IFLA_VFINFO_LIST)).nestedAttributes()
        let info = try XCTUnwrap(list.first(IFLA_VF_INFO)).nestedAttributes()
        XCTAssertEqual(info.map(\.type), [IFLA_VF_MAC, IFLA_VF_VLAN_LIST, IFLA_VF_SPOOFCHK, IFLA_VF_TRUST, IFLA_VF_LINK_STATE].map { UInt16($0) })
        XCTAssertEqual(info[0].payload, [3, 0, 0, 0, 2, 0, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 26))
        XCTAssertEqual(try info[1].nestedAttributes(),
                       [.bytes(IFLA_VF_VLAN_INFO, [3, 0, 0, 0, 101, 0, 0, 0, 0, 0, 0, 0, 0x88, 0xA8, 0, 0])])
        XCTAssertEqual(info[2].payload, [3, 0, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(info[3].payload, [3, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(info[4].payload, [3, 0, 0, 0, 2, 0, 0, 0])
    }

    func testVFRequestWithOnlySomeFields() throws {
        let message = try NetlinkMessage.setVF(pfIndex: 3, VFSettings(index: 0, vlan: VFVLAN(id: 7, qos: 2, protocolID: .dot1q)))
        let info = try message.attributes[0].nestedAttributes()[0].nestedAttributes()
        XCTAssertEqual(info, [.bytes(IFLA_VF_VLAN, [0, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0])], "802.1Q uses the legacy IFLA_VF_VLAN")
    }

    func testBadInputIsRefusedNamingTheField() {
        func field(_ build: @autoclosure () throws -> NetlinkMessage) -> String? {
            do { _ = try build() } catch let error as NetlinkError { return error.code == nil ? error.message : "errno" } catch { return "other" }
            return nil
        }
        let local = IPv4Address("198.18.0.1")!
        XCTAssertEqual(field(try .createVXLAN(VXLANSpec(name: "vx", vni: 0, local: local))), "invalid vni: 0 is outside 1...16777215")
        XCTAssertEqual(field(try .createVXLAN(VXLANSpec(name: "vx", vni: 1 << 24, local: local)))?.hasPrefix("invalid vni"), true)
        XCTAssertEqual(field(try .createVXLAN(VXLANSpec(name: "vx", vni: 1, local: local, port: 0)))?.hasPrefix("invalid port"), true)
        XCTAssertEqual(field(try .createBridge(name: "a-name-far-too-long"))?.hasPrefix("invalid name"), true)
        XCTAssertEqual(field(try .createBridge(name: ""))?.hasPrefix("invalid name"), true)
        XCTAssertEqual(field(try .createBridge(name: "br/0"))?.hasPrefix("invalid name"), true)
        XCTAssertEqual(field(try .createBridge(name: "br0", mtu: 20)), "invalid mtu: 20 is outside 68...65535")
        XCTAssertEqual(field(try .setLink(index: 0, up: true))?.hasPrefix("invalid index"), true)
        XCTAssertEqual(field(try .setLink(index: 3, master: .attach(-1)))?.hasPrefix("invalid master"), true)
        XCTAssertEqual(field(try .setVF(pfIndex: 3, VFSettings(index: 1, vlan: VFVLAN(id: 4096, protocolID: .dot1q)))), "invalid vf.vlan: 4096 is outside 0...4095")
        XCTAssertEqual(field(try .setVF(pfIndex: 3, VFSettings(index: 1, vlan: VFVLAN(id: 5, qos: 8, protocolID: .dot1q))))?.hasPrefix("invalid vf.qos"), true)
        XCTAssertEqual(field(try .setVF(pfIndex: 3, VFSettings(index: -1, trust: false)))?.hasPrefix("invalid vf.index"), true)
        XCTAssertEqual(field(try .setVF(pfIndex: 3, VFSettings(index: 1))), "invalid vf: VF 1: nothing to set")
    }

    func testErrorDescriptionNamesOperationDeviceAndReason() {
        let error = NetlinkError(operation: "create vxlan", device: "plvx1", errno: EEXIST, detail: "kernel says so")
        XCTAssertEqual(error.code, EEXIST)
        XCTAssertEqual(error.description, "netlink create vxlan on plvx1 failed: File exists (kernel says so)")
    }
}
