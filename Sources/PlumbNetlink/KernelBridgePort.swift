/// One bridge port's VLANs and, for a VXLAN port with `vlan_tunnel on`, its VLAN→VNI mappings, from an `AF_BRIDGE`
/// `RTM_GETLINK` dump with `RTEXT_FILTER_BRVLAN`.
public struct KernelBridgePort: Equatable, Sendable {
    /// One VLAN on a port.
    public struct VLAN: Hashable, Sendable {
        public var id: Int
        /// The port's PVID: untagged frames arriving on the port join this VLAN.
        public var pvid: Bool
        /// Frames of this VLAN leave the port untagged.
        public var untagged: Bool

        public init(id: Int, pvid: Bool, untagged: Bool) {
            self.id = id
            self.pvid = pvid
            self.untagged = untagged
        }
    }

    public var index: Int32
    /// The bridge the port belongs to (the bridge itself reports its own VLANs too, with no master).
    public var masterIndex: Int32?
    public var vlans: [VLAN]
    /// VLAN→VNI mappings (`bridge vlan tunnelshow`), by VLAN.
    public var tunnels: [Int: Int]

    public init(index: Int32, masterIndex: Int32? = nil, vlans: [VLAN] = [], tunnels: [Int: Int] = [:]) {
        self.index = index
        self.masterIndex = masterIndex
        self.vlans = vlans
        self.tunnels = tunnels
    }
}
