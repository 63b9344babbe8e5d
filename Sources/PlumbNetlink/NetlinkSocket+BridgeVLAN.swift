import CNetlink
import Glibc
import PlumbModel

/// The leaf switch's requests: a VLAN-aware bridge with one `external vnifilter` VXLAN port.
extension NetlinkSocket {
    /// Creates a VLAN-aware bridge with no default PVID, sets its alias if any, and returns its index.
    @discardableResult
    public func createVLANBridge(name: String, vlanProtocol: VLANProtocol, group: UInt32? = nil, alias: String? = nil) throws -> Int32 {
        try create(.createVLANBridge(name: name, vlanProtocol: vlanProtocol, group: group), name: name, alias: alias,
                   ipv6AddressGeneration: nil, operation: "create vlan-aware bridge")
    }

    /// Creates a VXLAN device in `external vnifilter` mode, sets its alias if any, and returns its index.
    @discardableResult
    public func createExternalVXLAN(name: String, local: IPv4Address, port: UInt16, underlayIndex: Int32?,
                                    group: UInt32? = nil, alias: String? = nil) throws -> Int32 {
        try create(.createExternalVXLAN(name: name, local: local, port: port, underlayIndex: underlayIndex, group: group),
                   name: name, alias: alias, ipv6AddressGeneration: nil, operation: "create vxlan")
    }

    /// Adds a VLAN to a bridge port, carried as `mode` says, or removes it.
    public func bridgeVLAN(add: Bool, port: Int32, vlan: Int, mode: BridgeVLANMode = .tagged) throws {
        try perform(.bridgeVLAN(add: add, port: port, vlan: vlan, mode: mode),
                    operation: "\(add ? "add" : "delete") vlan \(vlan)", device: "ifindex \(port)")
    }

    /// Adds or removes a VXLAN port's mapping of `vlan` to `vni`.
    public func bridgeVLANTunnel(add: Bool, port: Int32, vlan: Int, vni: Int) throws {
        try perform(.bridgeVLANTunnel(add: add, port: port, vlan: vlan, vni: vni),
                    operation: "\(add ? "add" : "delete") vlan \(vlan) tunnel id \(vni)", device: "ifindex \(port)")
    }

    /// Turns VLAN→VNI mapping on or off on a VXLAN bridge port.
    public func setBridgePortVLANTunnel(index: Int32, on: Bool) throws {
        try perform(.setBridgePortVLANTunnel(index: index, on: on), operation: "set bridge port vlan_tunnel",
                    device: "ifindex \(index)")
    }

    /// Adds a VNI to a `vnifilter` VXLAN device's filter, or removes it.
    public func vniFilter(add: Bool, device: Int32, vni: Int) throws {
        try perform(.vniFilter(add: add, device: device, vni: vni), operation: "\(add ? "add" : "delete") vni \(vni)",
                    device: "ifindex \(device)")
    }

    /// Adds a permanent per-VNI entry to an `external` VXLAN device's table (the flood MAC is appended).
    public func addVNIFDB(index: Int32, mac: MACAddress, dst: IPv4Address, vni: Int) throws {
        try perform(.addVNIFDB(index: index, mac: mac, dst: dst, vni: vni), operation: "add fdb \(mac) dst \(dst) vni \(vni)",
                    device: "ifindex \(index)")
    }

    /// Removes one destination of a per-VNI entry of an `external` VXLAN device.
    public func deleteVNIFDB(index: Int32, mac: MACAddress, dst: IPv4Address, vni: Int) throws {
        try perform(.deleteVNIFDB(index: index, mac: mac, dst: dst, vni: vni),
                    operation: "delete fdb \(mac) dst \(dst) vni \(vni)", device: "ifindex \(index)")
    }

    /// Adds (or replaces) a static entry in a bridge's table: `mac` on `vlan` is behind `port`.
    public func addStaticBridgeFDB(port: Int32, mac: MACAddress, vlan: Int) throws {
        try perform(.addStaticBridgeFDB(port: port, mac: mac, vlan: vlan), operation: "add bridge fdb \(mac) vlan \(vlan)",
                    device: "ifindex \(port)")
    }

    /// Removes a static entry from a bridge's table.
    public func deleteStaticBridgeFDB(port: Int32, mac: MACAddress, vlan: Int) throws {
        try perform(.deleteStaticBridgeFDB(port: port, mac: mac, vlan: vlan),
                    operation: "delete bridge fdb \(mac) vlan \(vlan)", device: "ifindex \(port)")
    }

    /// Every bridge port's VLANs and VLAN→VNI mappings, from one dump.
    public func bridgePorts() throws -> [KernelBridgePort] {
        try dump(.dumpBridgeVLANs(), familyHeaderSize: InterfaceInfoHeader.size, operation: "dump bridge vlans")
            .filter { $0.type == UInt16(RTM_NEWLINK) }
            .compactMap(KernelBridgePort.init)
    }

    /// The VNI filter of every `vnifilter` VXLAN device, by device index, from one dump.
    ///
    /// The vxlan module registers this dump when it loads: before any VXLAN device was made the kernel answers
    /// `EOPNOTSUPP`, which means there is no filter to read.
    public func vniFilters() throws -> [Int32: Set<Int>] {
        let messages: [NetlinkMessage]
        do {
            messages = try dump(.dumpVNIFilters(), familyHeaderSize: TunnelHeader.size, operation: "dump vni filters")
        } catch let error as NetlinkError where error.code == EOPNOTSUPP {
            return [:]
        }
        var filters: [Int32: Set<Int>] = [:]
        for message in messages where message.type == UInt16(RTM_NEWTUNNEL) {
            let index = try TunnelHeader(message.familyHeader).index
            for entry in message.attributes where entry.type == UInt16(VXLAN_VNIFILTER_ENTRY) {
                let fields = try entry.nestedAttributes()
                guard let start = fields.first(VXLAN_VNIFILTER_ENTRY_START)?.u32 else { continue }
                let end = fields.first(VXLAN_VNIFILTER_ENTRY_END)?.u32 ?? start
                guard start <= end else { continue }
                filters[index, default: []].formUnion((Int(start)...Int(end)))
            }
        }
        return filters
    }
}
