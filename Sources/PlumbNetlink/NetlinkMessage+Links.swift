import CNetlink
import Glibc
import PlumbModel

/// Pure builders for `RTM_*LINK` requests. Each returns the message with sequence 0; `NetlinkSocket` numbers it.
extension NetlinkMessage {
    static let requestAck = UInt16(NLM_F_REQUEST | NLM_F_ACK)
    static let createExclusive = UInt16(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)

    /// `RTM_GETLINK` dump of every device, asking for VF details (`IFLA_EXT_MASK` = `RTEXT_FILTER_VF`).
    public static func dumpLinks() -> NetlinkMessage {
        NetlinkMessage(type: UInt16(RTM_GETLINK), flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP),
                       familyHeader: InterfaceInfoHeader().encoded,
                       attributes: [.u32(IFLA_EXT_MASK, UInt32(RTEXT_FILTER_VF))])
    }

    /// `ip link add NAME [mtu M] [group G] type vxlan id VNI local IP dstport PORT [no]learning [dev UNDERLAY]`.
    /// The alias cannot be set on creation (the kernel ignores `IFLA_IFALIAS` there): see `setLink`.
    public static func createVXLAN(_ spec: VXLANSpec) throws -> NetlinkMessage {
        let operation = "create vxlan"
        try NetlinkInputValidation.name(spec.name, operation: operation)
        guard Limits.vni.contains(Int(spec.vni)) else {
            throw NetlinkError.invalid(operation, device: spec.name, field: "vni", "\(spec.vni) is outside \(Limits.vni)")
        }
        guard spec.port != 0 else { throw NetlinkError.invalid(operation, device: spec.name, field: "port", "must not be 0") }
        if let underlay = spec.underlayIndex { try NetlinkInputValidation.index(underlay, field: "underlayIndex", operation: operation) }
        var data: [NetlinkAttribute] = [
            .u32(IFLA_VXLAN_ID, spec.vni),
            .bytes(IFLA_VXLAN_LOCAL, spec.local.octets),
            .bigEndianU16(IFLA_VXLAN_PORT, spec.port),
            .u8(IFLA_VXLAN_LEARNING, spec.learning ? 1 : 0),
        ]
        if let underlay = spec.underlayIndex { data.append(.u32(IFLA_VXLAN_LINK, UInt32(underlay))) }
        return try newLink(name: spec.name, kind: "vxlan", data: data, mtu: spec.mtu, group: spec.group, operation: operation)
    }

    /// `ip link add NAME [mtu M] [group G] type bridge`.
    public static func createBridge(name: String, mtu: Int? = nil, group: UInt32? = nil) throws -> NetlinkMessage {
        try NetlinkInputValidation.name(name, operation: "create bridge")
        return try newLink(name: name, kind: "bridge", data: nil, mtu: mtu, group: group, operation: "create bridge")
    }

    static func newLink(name: String, kind: String, data: [NetlinkAttribute]?, mtu: Int?, group: UInt32?,
                                operation: String) throws -> NetlinkMessage {
        var attributes: [NetlinkAttribute] = [.string(IFLA_IFNAME, name)]
        if let mtu = try NetlinkInputValidation.mtu(mtu, operation: operation, device: name) { attributes.append(.u32(IFLA_MTU, mtu)) }
        if let group { attributes.append(.u32(IFLA_GROUP, group)) }
        // The kind without a terminating NUL, as iproute2 sends it (the kernel compares with nla_strcmp, either way).
        var info: [NetlinkAttribute] = [.bytes(IFLA_INFO_KIND, Array(kind.utf8))]
        if let data { info.append(.nested(IFLA_INFO_DATA, data)) }
        attributes.append(.nested(IFLA_LINKINFO, info))
        return NetlinkMessage(type: UInt16(RTM_NEWLINK), flags: createExclusive,
                              familyHeader: InterfaceInfoHeader().encoded, attributes: attributes)
    }

    /// `ip link set dev INDEX [master M | nomaster] [up | down] [mtu M] [group G] [alias A] [addrgenmode G]`.
    /// An empty alias removes the alias.
    ///
    /// The IPv6 address generation mode cannot go into the creation request: the kernel refuses `IFLA_AF_SPEC` in an
    /// `RTM_NEWLINK` that creates a device (`EAFNOSUPPORT`, also for `ip link add ... addrgenmode none`). Plumb sends it
    /// in the first request after creation, while the device is still down: the kernel makes IPv6 addresses only
    /// when a device comes up, so a device configured that way never has one.
    public static func setLink(index: Int32, master: MasterChange? = nil, up: Bool? = nil, mtu: Int? = nil,
                               group: UInt32? = nil, alias: String? = nil,
                               ipv6AddressGeneration: IPv6AddressGeneration? = nil) throws -> NetlinkMessage {
        let operation = "set link"
        let device = "ifindex \(index)"
        try NetlinkInputValidation.index(index, operation: operation)
        try NetlinkInputValidation.alias(alias, operation: operation, device: device)
        var header = InterfaceInfoHeader(index: index)
        if let up {
            header.flags = up ? UInt32(IFF_UP) : 0
            header.change = UInt32(IFF_UP)
        }
        var attributes: [NetlinkAttribute] = []
        switch master {
        case .attach(let masterIndex):
            try NetlinkInputValidation.index(masterIndex, field: "master", operation: operation)
            attributes.append(.u32(IFLA_MASTER, UInt32(masterIndex)))
        case .detach: attributes.append(.u32(IFLA_MASTER, 0))
        case nil: break
        }
        if let mtu = try NetlinkInputValidation.mtu(mtu, operation: operation, device: device) { attributes.append(.u32(IFLA_MTU, mtu)) }
        if let group { attributes.append(.u32(IFLA_GROUP, group)) }
        if let alias { attributes.append(.string(IFLA_IFALIAS, alias)) }
        if let ipv6AddressGeneration { attributes.append(ipv6AddressGeneration.attribute) }
        return NetlinkMessage(type: UInt16(RTM_SETLINK), flags: requestAck, familyHeader: header.encoded, attributes: attributes)
    }

    /// `ip link del group GROUP`: every device in the link group at once.
    public static func deleteGroup(_ group: UInt32) -> NetlinkMessage {
        NetlinkMessage(type: UInt16(RTM_DELLINK), flags: requestAck, familyHeader: InterfaceInfoHeader().encoded,
                       attributes: [.u32(IFLA_GROUP, group)])
    }

    /// `ip link del dev INDEX`.
    public static func deleteLink(index: Int32) throws -> NetlinkMessage {
        try NetlinkInputValidation.index(index, operation: "delete link")
        return NetlinkMessage(type: UInt16(RTM_DELLINK), flags: requestAck, familyHeader: InterfaceInfoHeader(index: index).encoded)
    }
}
