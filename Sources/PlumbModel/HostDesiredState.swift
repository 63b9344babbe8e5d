/// Everything one hypervisor must have in place: `GET /v1/hosts/{name}/desired`.
///
/// The agent applies the whole document idempotently; anything Plumb owns on the
/// host that the document does not name is removed.
public struct HostDesiredState: Codable, Equatable, Sendable {
    public var host: String
    /// Raised by the controller in the same transaction as any change this host must apply.
    public var generation: Int64
    /// This host's VXLAN tunnel endpoint.
    public var vtep: VTEP
    /// One entry per VNI with virtio NICs on this host.
    public var networks: [Network]
    /// SR-IOV settings per PF (VF count and every VF in use).
    public var pfs: [PF]
    /// Whole NICs handed to VMs: bound to `vfio-pci`.
    public var passthrough: [Passthrough]

    public init(host: String, generation: Int64, vtep: VTEP, networks: [Network] = [], pfs: [PF] = [], passthrough: [Passthrough] = []) {
        self.host = host
        self.generation = generation
        self.vtep = vtep
        self.networks = networks
        self.pfs = pfs
        self.passthrough = passthrough
    }

    public struct VTEP: Codable, Equatable, Sendable {
        /// Local underlay address of VXLAN devices.
        public var localIp: IPv4Address
        /// The underlay NIC (VXLAN devices bind to it when the agent finds it).
        public var underlayNic: String?
        /// Underlay MTU; for a network without `mtu` the agent subtracts the VXLAN overhead unless configured otherwise.
        public var underlayMtu: Int

        enum CodingKeys: String, CodingKey {
            case localIp = "local_ip", underlayNic = "underlay_nic", underlayMtu = "underlay_mtu"
        }

        public init(localIp: IPv4Address, underlayNic: String? = nil, underlayMtu: Int = 1500) {
            self.localIp = localIp
            self.underlayNic = underlayNic
            self.underlayMtu = underlayMtu
        }
    }

    /// One VNI on this host: a VXLAN device in a bridge, and the taps of the VM NICs in it.
    public struct Network: Codable, Equatable, Sendable {
        public var vni: Int
        /// Isolate VM ports from each other (bridge port flag `isolated`); false when the network allows local traffic.
        public var isolated: Bool
        /// Every other VTEP in this VNI (hypervisors and leaves): flood (`00:00:00:00:00:00`) entries.
        public var flood: [IPv4Address]
        /// Every remote MAC in this VNI and the VTEP behind it: static FDB entries.
        public var fdb: [FDBEntry]
        public var taps: [Tap]
        /// The network's one MTU, decided by the controller (the smallest that every host and leaf carrying it can
        /// pass): the VXLAN device, the bridge and every tap of the network get it, and the guests are told it.
        /// Absent from older controllers: the agent then uses its underlay MTU minus the VXLAN overhead.
        public var mtu: Int?

        public init(vni: Int, isolated: Bool, flood: [IPv4Address], fdb: [FDBEntry], taps: [Tap], mtu: Int? = nil) {
            self.vni = vni
            self.isolated = isolated
            self.flood = flood
            self.fdb = fdb
            self.taps = taps
            self.mtu = mtu
        }
    }

    /// A static forwarding entry: frames for `mac` go to `vtep`.
    public struct FDBEntry: Codable, Equatable, Hashable, Sendable {
        public var mac: MACAddress
        public var vtep: IPv4Address

        public init(mac: MACAddress, vtep: IPv4Address) {
            self.mac = mac
            self.vtep = vtep
        }
    }

    /// A tap for one virtio VM NIC.
    public struct Tap: Codable, Equatable, Sendable {
        /// Interface name, unique on the host, at most ``Limits/interfaceNameLength`` bytes.
        public var name: String
        /// The guest's MAC (the VM's virtio NIC uses it; FDB entries elsewhere key on it).
        public var mac: MACAddress
        public var materialization: String
        public var vm: String
        public var nic: String

        public init(name: String, mac: MACAddress, materialization: String, vm: String, nic: String) {
            self.name = name
            self.mac = mac
            self.materialization = materialization
            self.vm = vm
            self.nic = nic
        }
    }

    /// A physical function and the VFs Plumb has assigned on it.
    public struct PF: Codable, Equatable, Sendable {
        public var name: String
        public var pciAddress: PCIAddress
        /// The value `sriov_numvfs` must hold (the NIC's VF limit while any VF is in use).
        public var numVfs: Int
        public var vfs: [VF]

        enum CodingKeys: String, CodingKey {
            case name, pciAddress = "pci_address", numVfs = "num_vfs", vfs
        }

        public init(name: String, pciAddress: PCIAddress, numVfs: Int, vfs: [VF]) {
            self.name = name
            self.pciAddress = pciAddress
            self.numVfs = numVfs
            self.vfs = vfs
        }
    }

    /// One VF handed to a VM: VST tag, fixed MAC, spoofcheck on, trust off, bound to `vfio-pci`.
    public struct VF: Codable, Equatable, Sendable {
        public var index: Int
        public var vlan: Int
        public var vlanProtocol: VLANProtocol
        public var mac: MACAddress
        public var spoofcheck: Bool
        public var trust: Bool
        public var linkState: LinkState
        public var materialization: String
        public var vm: String
        public var nic: String

        enum CodingKeys: String, CodingKey {
            case index, vlan, vlanProtocol = "vlan_protocol", mac, spoofcheck, trust, linkState = "link_state",
                materialization, vm, nic
        }

        public init(index: Int, vlan: Int, vlanProtocol: VLANProtocol, mac: MACAddress, spoofcheck: Bool = true,
                    trust: Bool = false, linkState: LinkState = .auto, materialization: String, vm: String, nic: String) {
            self.index = index
            self.vlan = vlan
            self.vlanProtocol = vlanProtocol
            self.mac = mac
            self.spoofcheck = spoofcheck
            self.trust = trust
            self.linkState = linkState
            self.materialization = materialization
            self.vm = vm
            self.nic = nic
        }
    }

    /// The VF link state knob (`ip link set PF vf N state ...`).
    public enum LinkState: String, Codable, Sendable {
        case auto, enable, disable
    }

    /// A whole NIC given to a VM.
    public struct Passthrough: Codable, Equatable, Sendable {
        public var name: String
        public var pciAddress: PCIAddress
        public var materialization: String
        public var vm: String
        public var nic: String

        enum CodingKeys: String, CodingKey {
            case name, pciAddress = "pci_address", materialization, vm, nic
        }

        public init(name: String, pciAddress: PCIAddress, materialization: String, vm: String, nic: String) {
            self.name = name
            self.pciAddress = pciAddress
            self.materialization = materialization
            self.vm = vm
            self.nic = nic
        }
    }
}
