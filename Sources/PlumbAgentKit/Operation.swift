import PlumbModel
import PlumbNetlink

/// One step of a plan: an action on the host and the item it serves.
///
/// Items name what an error is reported against (`network 7001`, `tap vm1-eth0`, `vf enp59s0f0/3`,
/// `pf enp59s0f0`, `passthrough 0000:3b:00.0`). When an operation fails, the remaining operations of its item,
/// and of items whose `parentItem` it is, are skipped; everything else is still applied.
public struct Operation: Equatable, Sendable, CustomStringConvertible {
    public var item: String
    /// The item this one needs in place first (a tap needs its network's bridge), if any.
    public var parentItem: String?
    public var action: Action

    public init(item: String, parentItem: String? = nil, _ action: Action) {
        self.item = item
        self.parentItem = parentItem
        self.action = action
    }

    /// What the operation does, for `plumb-agent plan` and logs.
    public var description: String { action.description }
}

/// A PCI function addressed directly or, for a VF that may not exist yet when the plan is made, by its PF and index.
public enum PCIFunction: Hashable, Sendable, CustomStringConvertible {
    case device(PCIAddress)
    case virtualFunction(pf: PCIAddress, index: Int)

    public var description: String {
        switch self {
        case .device(let address): return "\(address)"
        case .virtualFunction(let pf, let index): return "VF \(index) of \(pf)"
        }
    }
}

/// Everything a VF is set to (`ip link set PF vf N mac M vlan V proto P spoofchk on trust off state S`).
public struct VFConfiguration: Equatable, Sendable {
    public var index: Int
    /// nil leaves the MAC as it is.
    public var mac: MACAddress?
    /// VST VLAN; 0 for none.
    public var vlan: Int
    public var vlanProtocol: VLANProtocol
    public var spoofcheck: Bool
    public var trust: Bool
    public var linkState: HostDesiredState.LinkState

    public init(index: Int, mac: MACAddress?, vlan: Int, vlanProtocol: VLANProtocol, spoofcheck: Bool, trust: Bool,
                linkState: HostDesiredState.LinkState) {
        self.index = index
        self.mac = mac
        self.vlan = vlan
        self.vlanProtocol = vlanProtocol
        self.spoofcheck = spoofcheck
        self.trust = trust
        self.linkState = linkState
    }

    /// The settings of a VF Plumb no longer uses: MAC cleared (so a MAC that moved to another VF is never shown by two),
    /// no VLAN, link down, spoofcheck on, trust off.
    public static func parked(index: Int) -> VFConfiguration {
        VFConfiguration(index: index, mac: .zero, vlan: 0, vlanProtocol: .dot1q, spoofcheck: true, trust: false,
                        linkState: .disable)
    }
}

/// What an operation does. Devices are named, not indexed: indexes of devices created earlier in the same
/// plan are only known while it runs.
public enum Action: Equatable, Sendable, CustomStringConvertible {
    case createBridge(name: String, mtu: Int, alias: String)
    case createVXLAN(name: String, vni: Int, local: IPv4Address, port: UInt16, underlay: String?, mtu: Int, alias: String)
    case createTap(name: String, mtu: Int, alias: String)
    case deleteLink(name: String)
    case setMaster(link: String, master: String)
    case setMTU(link: String, mtu: Int)
    case setAlias(link: String, alias: String)
    case setUp(link: String)
    case setIsolated(link: String, isolated: Bool)
    /// `addrgenmode none`: the device gets no IPv6 address when it next comes up (devices Plumb creates have it from
    /// the start; this repairs one whose mode was changed).
    case disableIPv6AddressGeneration(link: String)
    /// Removes an IPv4 or IPv6 address from one of Plumb's devices (the address's index is the one observed).
    case deleteAddress(link: String, address: KernelAddress)
    /// Adds (for the flood MAC: appends) a VXLAN forwarding entry.
    case addFDB(device: String, mac: MACAddress, dst: IPv4Address)
    case deleteFDB(device: String, mac: MACAddress, dst: IPv4Address)
    /// Writes `sriov_numvfs` of the PF at `pf`, or of the device behind its network `interface` when it is no PCI
    /// function (``ObservedPCIDevice/interface``).
    case setNumVFs(pf: PCIAddress, count: Int, interface: String? = nil)
    case configureVF(pf: String, VFConfiguration)
    /// `driver_override` = `vfio-pci`, unbind from the current driver, bind to `vfio-pci`.
    case bindToVFIO(PCIFunction)
    /// Clears `driver_override`, unbinds from `vfio-pci`, binds to `driver` (or lets the kernel probe when nil).
    case giveBack(PCIAddress, driver: String?)
    /// Records in the state directory that Plumb took a device, before touching it.
    case recordDevice(PCIAddress, PCIDeviceRecord)
    /// Removes that record once the device is given back.
    case forgetDevice(PCIAddress)

    // The leaf switch's actions (see `LeafPlanner`).
    /// A VLAN-aware bridge without default PVID.
    case createVLANBridge(name: String, vlanProtocol: VLANProtocol, alias: String)
    /// A VXLAN device in `external vnifilter` mode: the leaf's, for every VNI but guest-VLAN networks', or one of theirs.
    case createExternalVXLAN(name: String, local: IPv4Address, port: UInt16, underlay: String?, alias: String)
    /// Takes a port out of its bridge (`nomaster`).
    case releasePort(link: String)
    /// `bridge link set dev LINK vlan_tunnel on`.
    case setVLANTunnel(link: String)
    /// `bridge vlan add dev PORT vid VLAN [pvid [untagged]]`.
    case addPortVLAN(port: String, vlan: Int, mode: BridgeVLANMode)
    case deletePortVLAN(port: String, vlan: Int)
    /// `bridge vlan add dev VX vid VLAN tunnel_info id VNI`.
    case addVLANTunnel(device: String, vlan: Int, vni: Int)
    case deleteVLANTunnel(device: String, vlan: Int, vni: Int)
    /// `bridge vni add dev VX vni VNI`.
    case addVNI(device: String, vni: Int)
    case deleteVNI(device: String, vni: Int)
    /// Adds (for the flood MAC: appends) a per-VNI forwarding entry of an `external` VXLAN device.
    case addVNIFDB(device: String, mac: MACAddress, dst: IPv4Address, vni: Int)
    case deleteVNIFDB(device: String, mac: MACAddress, dst: IPv4Address, vni: Int)
    /// `bridge fdb replace MAC dev PORT vlan VLAN master static`.
    case addBridgeFDB(port: String, mac: MACAddress, vlan: Int)
    case deleteBridgeFDB(port: String, mac: MACAddress, vlan: Int)

    public var description: String {
        switch self {
        case .createBridge(let name, let mtu, _): return "create bridge \(name) mtu \(mtu)"
        case .createVXLAN(let name, let vni, let local, let port, let underlay, let mtu, _):
            return "create vxlan \(name) id \(vni) local \(local) dstport \(port) nolearning"
                + (underlay.map { " dev \($0)" } ?? "") + " mtu \(mtu)"
        case .createTap(let name, let mtu, _): return "create tap \(name) mtu \(mtu)"
        case .deleteLink(let name): return "delete link \(name)"
        case .setMaster(let link, let master): return "set \(link) master \(master)"
        case .setMTU(let link, let mtu): return "set \(link) mtu \(mtu)"
        case .setAlias(let link, let alias): return "set \(link) alias '\(alias)'"
        case .setUp(let link): return "set \(link) up"
        case .setIsolated(let link, let isolated): return "set bridge port \(link) isolated \(isolated ? "on" : "off")"
        case .disableIPv6AddressGeneration(let link): return "set \(link) addrgenmode none"
        case .deleteAddress(let link, let address): return "delete address \(address) from \(link)"
        case .addFDB(let device, let mac, let dst): return "add fdb \(mac) dev \(device) dst \(dst)"
        case .deleteFDB(let device, let mac, let dst): return "delete fdb \(mac) dev \(device) dst \(dst)"
        case .setNumVFs(let pf, let count, let interface):
            return "set sriov_numvfs of \(interface.map { "the device of \($0)" } ?? "\(pf)") to \(count)"
        case .configureVF(let pf, let vf):
            return "set \(pf) vf \(vf.index)" + (vf.mac.map { " mac \($0)" } ?? "")
                + " vlan \(vf.vlan) proto \(vf.vlanProtocol.rawValue) spoofchk \(vf.spoofcheck ? "on" : "off")"
                + " trust \(vf.trust ? "on" : "off") state \(vf.linkState.rawValue)"
        case .bindToVFIO(let function): return "bind \(function) to vfio-pci"
        case .giveBack(let address, let driver): return "give \(address) back to \(driver ?? "the driver the kernel probes")"
        case .recordDevice(let address, let record):
            return "record \(address) as taken for \(record.role.rawValue)" + (record.originalDriver.map { " from \($0)" } ?? "")
        case .forgetDevice(let address): return "forget record of \(address)"
        case .createVLANBridge(let name, let vlanProtocol, _):
            return "create bridge \(name) vlan_filtering 1 vlan_default_pvid 0 vlan_protocol \(vlanProtocol.rawValue)"
        case .createExternalVXLAN(let name, let local, let port, let underlay, _):
            return "create vxlan \(name) local \(local) dstport \(port)" + (underlay.map { " dev \($0)" } ?? "")
                + " nolearning external vnifilter"
        case .releasePort(let link): return "set \(link) nomaster"
        case .setVLANTunnel(let link): return "set bridge port \(link) vlan_tunnel on"
        case .addPortVLAN(let port, let vlan, let mode):
            return "add vlan \(vlan) to \(port)" + [BridgeVLANMode.tagged: "", .access: " pvid untagged", .pvid: " pvid"][mode]!
        case .deletePortVLAN(let port, let vlan): return "delete vlan \(vlan) from \(port)"
        case .addVLANTunnel(let device, let vlan, let vni): return "map vlan \(vlan) to vni \(vni) on \(device)"
        case .deleteVLANTunnel(let device, let vlan, let vni): return "unmap vlan \(vlan) from vni \(vni) on \(device)"
        case .addVNI(let device, let vni): return "add vni \(vni) to \(device)"
        case .deleteVNI(let device, let vni): return "delete vni \(vni) from \(device)"
        case .addVNIFDB(let device, let mac, let dst, let vni): return "add fdb \(mac) dev \(device) dst \(dst) src_vni \(vni)"
        case .deleteVNIFDB(let device, let mac, let dst, let vni):
            return "delete fdb \(mac) dev \(device) dst \(dst) src_vni \(vni)"
        case .addBridgeFDB(let port, let mac, let vlan): return "add fdb \(mac) dev \(port) vlan \(vlan) master static"
        case .deleteBridgeFDB(let port, let mac, let vlan): return "delete fdb \(mac) dev \(port) vlan \(vlan) master"
        }
    }
}
