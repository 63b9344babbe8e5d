import CNetlink
import Glibc
import PlumbModel

/// Requests for a VLAN-aware bridge (the leaf switch's): the bridge itself, the VLANs of its ports, a VXLAN port's
/// VLAN→VNI mappings and its VNI filter. Attributes come in the order iproute2 sends them for the commands quoted.
extension NetlinkMessage {
    /// `ip link add NAME [mtu M] [group G] type bridge vlan_filtering 1 vlan_default_pvid 0 vlan_protocol P`.
    ///
    /// The default PVID is 0 so that a port joins no VLAN until told: every VLAN on every port is one Plumb put there.
    public static func createVLANBridge(name: String, vlanProtocol: VLANProtocol, mtu: Int? = nil,
                                        group: UInt32? = nil) throws -> NetlinkMessage {
        let operation = "create vlan-aware bridge"
        try NetlinkInputValidation.name(name, operation: operation)
        return try newLink(name: name, kind: "bridge", data: [
            .u8(IFLA_BR_VLAN_FILTERING, 1),
            .u16(IFLA_BR_VLAN_DEFAULT_PVID, 0),
            .bigEndianU16(IFLA_BR_VLAN_PROTOCOL, vlanProtocol.etherType),
        ], mtu: mtu, group: group, operation: operation)
    }

    /// `ip link add NAME [mtu M] [group G] type vxlan dstport PORT local IP [dev UNDERLAY] nolearning external vnifilter`:
    /// one VXLAN device for every VNI, which takes the VNI of each frame from the bridge's VLAN→VNI mapping
    /// (`external`, `IFLA_VXLAN_COLLECT_METADATA`) and accepts only the VNIs in its filter (`vnifilter`).
    public static func createExternalVXLAN(name: String, local: IPv4Address, port: UInt16, underlayIndex: Int32?,
                                           mtu: Int? = nil, group: UInt32? = nil) throws -> NetlinkMessage {
        let operation = "create vxlan"
        try NetlinkInputValidation.name(name, operation: operation)
        guard port != 0 else { throw NetlinkError.invalid(operation, device: name, field: "port", "must not be 0") }
        if let underlayIndex { try NetlinkInputValidation.index(underlayIndex, field: "underlayIndex", operation: operation) }
        // iproute2 puts the underlay first, then the mode flags, then the rest.
        var data: [NetlinkAttribute] = underlayIndex.map { [.u32(IFLA_VXLAN_LINK, UInt32($0))] } ?? []
        data += [
            .u8(IFLA_VXLAN_COLLECT_METADATA, 1),
            .u8(IFLA_VXLAN_VNIFILTER, 1),
            .bytes(IFLA_VXLAN_LOCAL, local.octets),
            .u8(IFLA_VXLAN_LEARNING, 0),
            .bigEndianU16(IFLA_VXLAN_PORT, port),
        ]
        return try newLink(name: name, kind: "vxlan", data: data, mtu: mtu, group: group, operation: operation)
    }

    /// `bridge vlan add|del dev INDEX vid VID [pvid [untagged]]`: a VLAN on a bridge port, carried as `mode` says
    /// (a delete names the VLAN only: `.tagged`).
    public static func bridgeVLAN(add: Bool, port: Int32, vlan: Int, mode: BridgeVLANMode) throws -> NetlinkMessage {
        let operation = add ? "add bridge vlan" : "delete bridge vlan"
        try NetlinkInputValidation.index(port, operation: operation)
        try validateVLAN(vlan, operation: operation, port: port)
        return bridgeSpec(add: add, port: port, [.bytes(IFLA_BRIDGE_VLAN_INFO, NetlinkBytes.native(mode.flags) + NetlinkBytes.native(UInt16(vlan)))])
    }

    /// `bridge vlan add|del dev INDEX vid VID tunnel_info id VNI`: frames of VLAN `vlan` leave the VXLAN port `port`
    /// with VNI `vni`, and frames with that VNI arrive on that VLAN. The port needs `vlan_tunnel on` and the VLAN.
    public static func bridgeVLANTunnel(add: Bool, port: Int32, vlan: Int, vni: Int) throws -> NetlinkMessage {
        let operation = add ? "add vlan tunnel mapping" : "delete vlan tunnel mapping"
        try NetlinkInputValidation.index(port, operation: operation)
        try validateVLAN(vlan, operation: operation, port: port)
        try validateVNI(vni, operation: operation, port: port)
        return bridgeSpec(add: add, port: port, [.nested(IFLA_BRIDGE_VLAN_TUNNEL_INFO, [
            .u32(IFLA_BRIDGE_VLAN_TUNNEL_ID, UInt32(vni)),
            .u16(IFLA_BRIDGE_VLAN_TUNNEL_VID, UInt16(vlan)),
            .u16(IFLA_BRIDGE_VLAN_TUNNEL_FLAGS, 0),
        ])])
    }

    /// `bridge vni add|delete dev INDEX vni VNI`: a VNI in an `external vnifilter` VXLAN device's filter.
    public static func vniFilter(add: Bool, device: Int32, vni: Int) throws -> NetlinkMessage {
        let operation = add ? "add vni" : "delete vni"
        try NetlinkInputValidation.index(device, operation: operation)
        try validateVNI(vni, operation: operation, port: device)
        return NetlinkMessage(type: UInt16(add ? RTM_NEWTUNNEL : RTM_DELTUNNEL), flags: requestAck,
                              familyHeader: TunnelHeader(index: device).encoded,
                              attributes: [.nested(VXLAN_VNIFILTER_ENTRY, markNested: true,
                                                   [.u32(VXLAN_VNIFILTER_ENTRY_START, UInt32(vni))])])
    }

    /// `bridge -d vlan show` as a dump: every bridge port with its VLANs (`RTEXT_FILTER_BRVLAN`) and, for ports with
    /// `vlan_tunnel on`, its VLAN→VNI mappings.
    public static func dumpBridgeVLANs() -> NetlinkMessage {
        NetlinkMessage(type: UInt16(RTM_GETLINK), flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP),
                       familyHeader: InterfaceInfoHeader(family: UInt8(AF_BRIDGE)).encoded,
                       attributes: [.u32(IFLA_EXT_MASK, UInt32(RTEXT_FILTER_BRVLAN))])
    }

    /// `bridge vni show` as a dump: the VNI filter of every `vnifilter` VXLAN device.
    public static func dumpVNIFilters() -> NetlinkMessage {
        NetlinkMessage(type: UInt16(RTM_GETTUNNEL), flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP),
                       familyHeader: TunnelHeader(index: 0).encoded)
    }

    private static func bridgeSpec(add: Bool, port: Int32, _ children: [NetlinkAttribute]) -> NetlinkMessage {
        NetlinkMessage(type: UInt16(add ? RTM_SETLINK : RTM_DELLINK), flags: requestAck,
                       familyHeader: InterfaceInfoHeader(family: UInt8(AF_BRIDGE), index: port).encoded,
                       attributes: [.nested(IFLA_AF_SPEC, children)])
    }

    private static func validateVLAN(_ vlan: Int, operation: String, port: Int32) throws {
        guard Limits.vlanID.contains(vlan) else {
            throw NetlinkError.invalid(operation, device: "ifindex \(port)", field: "vlan", "\(vlan) is outside \(Limits.vlanID)")
        }
    }

    static func validateVNI(_ vni: Int, operation: String, port: Int32) throws {
        guard Limits.vni.contains(vni) else {
            throw NetlinkError.invalid(operation, device: "ifindex \(port)", field: "vni", "\(vni) is outside \(Limits.vni)")
        }
    }
}

extension VLANProtocol {
    /// The EtherType of the tag (`ETH_P_8021Q`, `ETH_P_8021AD`).
    public var etherType: UInt16 { self == .dot1q ? UInt16(ETH_P_8021Q) : UInt16(ETH_P_8021AD) }

    /// The protocol of an EtherType, nil for any other.
    public init?(etherType: UInt16) {
        switch etherType {
        case UInt16(ETH_P_8021Q): self = .dot1q
        case UInt16(ETH_P_8021AD): self = .dot1ad
        default: return nil
        }
    }
}

/// `struct tunnel_msg`: the family header of `RTM_*TUNNEL` messages (VXLAN VNI filters).
public struct TunnelHeader: Equatable, Sendable {
    /// `sizeof(struct tunnel_msg)`.
    public static let size = 8

    /// `ifindex`: the VXLAN device; 0 in a dump of every device.
    public var index: Int32

    public init(index: Int32) { self.index = index }

    /// The header as it goes on the wire: family `AF_BRIDGE`, flags 0, two reserved bytes, the index.
    public var encoded: [UInt8] { [UInt8(AF_BRIDGE), 0, 0, 0] + NetlinkBytes.native(index) }

    /// Reads the header from the start of a message body.
    public init(_ bytes: [UInt8]) throws {
        guard bytes.count >= Self.size else { throw NetlinkParseError("tunnel_msg needs \(Self.size) bytes, got \(bytes.count)") }
        self.init(index: NetlinkBytes.read(bytes, at: 4))
    }
}
