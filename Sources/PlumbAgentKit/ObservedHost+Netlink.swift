import PlumbModel
import PlumbNetlink

/// Maps the netlink layer's dumps into the planner's observed state.
extension ObservedLink {
    /// The device `link` with `addresses`, its entries of the host's address dump.
    init(_ link: KernelLink, addresses: [KernelAddress] = []) {
        let kind: Kind
        switch link.kind {
        case "bridge": kind = .bridge
        case "vxlan": kind = .vxlan
        case "tun" where link.tun?.isTap ?? true: kind = .tap
        default: kind = .other(link.kind)
        }
        self.init(index: link.index, name: link.name, kind: kind, masterIndex: link.masterIndex, mtu: link.mtu,
                  isUp: link.isUp, group: link.group, alias: link.alias,
                  vxlan: link.vxlan.map {
                      ObservedVXLAN(vni: Int($0.vni), local: $0.local, port: $0.port, learning: $0.learning,
                                    underlayIndex: $0.underlayIndex, externalVNIFilter: $0.external && $0.vniFilter)
                  },
                  isolated: link.bridgePortIsolated,
                  vfs: link.vfs.map {
                      ObservedVF(index: $0.index, mac: $0.mac, vlan: $0.vlan, vlanProtocol: $0.vlanProtocol,
                                 spoofcheck: $0.spoofcheck, trust: $0.trust, linkState: $0.linkState)
                  },
                  vlanFiltering: link.bridge.flatMap { $0.vlanFiltering ? VLANProtocol(etherType: $0.vlanProtocol) : nil },
                  vlanTunnel: link.bridgePortVLANTunnel,
                  addresses: addresses, ipv6AddressGenerationMode: link.ipv6AddressGenerationMode)
    }
}

extension ObservedFDBEntry {
    /// A VXLAN device's own entry with a remote VTEP for the device's VNI; nil for every other kind of entry
    /// (bridge-table entries, entries without an IPv4 destination, entries for another VNI).
    init?(_ entry: KernelFDBEntry) {
        guard entry.isSelf, let dst = entry.dst, entry.vni == nil else { return nil }
        self.init(index: entry.index, mac: entry.mac, dst: dst)
    }
}
