import PlumbModel
import PlumbNetlink

/// What the leaf agent found, read once per reconcile: devices, the VLANs and VLAN→VNI mappings of bridge ports, VNI
/// filters, and the forwarding entries it may own. Plain values, so leaf plans are tested without IO.
public struct ObservedLeaf: Equatable, Sendable {
    public var links: [ObservedLink]
    /// VLANs of each bridge port, by device index.
    public var portVLANs: [Int32: Set<PortVLAN>]
    /// VLAN→VNI mappings of each VXLAN bridge port, by device index.
    public var tunnels: [Int32: [Int: Int]]
    /// The VNI filter of each `vnifilter` VXLAN device, by device index.
    public var vniFilters: [Int32: Set<Int>]
    /// Per-VNI entries with a remote VTEP in `external` VXLAN devices' own tables.
    public var vniFDB: [ObservedVNIFDBEntry]
    /// Static entries (`master static`, with a VLAN) in bridges' tables.
    public var bridgeFDB: [ObservedBridgeFDBEntry]

    public init(links: [ObservedLink] = [], portVLANs: [Int32: Set<PortVLAN>] = [:], tunnels: [Int32: [Int: Int]] = [:],
                vniFilters: [Int32: Set<Int>] = [:], vniFDB: [ObservedVNIFDBEntry] = [], bridgeFDB: [ObservedBridgeFDBEntry] = []) {
        self.links = links
        self.portVLANs = portVLANs
        self.tunnels = tunnels
        self.vniFilters = vniFilters
        self.vniFDB = vniFDB
        self.bridgeFDB = bridgeFDB
    }
}

/// A VLAN on a bridge port and how the port carries it.
public struct PortVLAN: Hashable, Sendable {
    public var vlan: Int
    public var mode: BridgeVLANMode

    public init(vlan: Int, mode: BridgeVLANMode) {
        self.vlan = vlan
        self.mode = mode
    }
}

/// `mac` in `vni` is behind remote VTEP `dst` (`mac` zero: flood to `dst`), in the table of device `index`.
public struct ObservedVNIFDBEntry: Hashable, Sendable {
    public var index: Int32
    public var mac: MACAddress
    public var dst: IPv4Address
    public var vni: Int

    public init(index: Int32, mac: MACAddress, dst: IPv4Address, vni: Int) {
        self.index = index
        self.mac = mac
        self.dst = dst
        self.vni = vni
    }
}

/// A static entry of bridge `master`: `mac` on `vlan` is behind port `port`.
public struct ObservedBridgeFDBEntry: Hashable, Sendable {
    public var master: Int32
    public var port: Int32
    public var mac: MACAddress
    public var vlan: Int

    public init(master: Int32, port: Int32, mac: MACAddress, vlan: Int) {
        self.master = master
        self.port = port
        self.mac = mac
        self.vlan = vlan
    }
}
