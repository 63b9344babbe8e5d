import Foundation

/// How a VM NIC is attached.
public enum Mechanism: String, Codable, Sendable, CaseIterable {
    /// virtio-net on a tap in a per-VNI bridge with a VXLAN VTEP on the hypervisor (the default).
    case virtio
    /// An SR-IOV VF of a physical NIC, VLAN-tagged (VST) toward the leaf.
    case vfio
    /// A whole physical NIC; the leaf port is in access mode.
    case passthrough

    public init(from decoder: Decoder) throws { self = try Self.decodeCase(from: decoder) }
}

/// What Cogs asks for: `PUT /v1/materializations/{id}`.
public struct MaterializationSpec: Codable, Equatable, Sendable {
    public var networks: [Network]
    public var vms: [VM]

    public init(networks: [Network], vms: [VM]) {
        self.networks = networks
        self.vms = vms
    }

    /// An experiment network (one VNI).
    public struct Network: Codable, Equatable, Sendable {
        public var name: String
        /// Let VMs on one host reach each other over the bridge (ports not isolated).
        public var allowLocal: Bool
        /// Guests send VLAN-tagged frames: a VF or passthrough NIC is possible only behind an 802.1ad leaf (``Facility/Leaf/vlanProtocol``).
        public var guestVlans: Bool

        enum CodingKeys: String, CodingKey {
            case name, allowLocal = "allow_local", guestVlans = "guest_vlans"
        }

        public init(name: String, allowLocal: Bool = false, guestVlans: Bool = false) {
            self.name = name
            self.allowLocal = allowLocal
            self.guestVlans = guestVlans
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            allowLocal = try container.decodeIfPresent(Bool.self, forKey: .allowLocal) ?? false
            guestVlans = try container.decodeIfPresent(Bool.self, forKey: .guestVlans) ?? false
        }
    }

    public struct VM: Codable, Equatable, Sendable {
        public var name: String
        public var hypervisor: String
        public var nics: [NIC]

        public init(name: String, hypervisor: String, nics: [NIC]) {
            self.name = name
            self.hypervisor = hypervisor
            self.nics = nics
        }
    }

    public struct NIC: Codable, Equatable, Sendable {
        /// The NIC's name inside its VM (default `eth<index>`).
        public var name: String?
        /// Name of a network of this materialization.
        public var network: String
        public var mechanism: Mechanism
        /// For vfio/passthrough: the PF (hypervisor NIC name) to use; chosen by Plumb if absent.
        public var pf: String?
        /// A MAC to use instead of an allocated one; must be unique in the testbed.
        public var mac: MACAddress?

        public init(name: String? = nil, network: String, mechanism: Mechanism = .virtio, pf: String? = nil, mac: MACAddress? = nil) {
            self.name = name
            self.network = network
            self.mechanism = mechanism
            self.pf = pf
            self.mac = mac
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            network = try container.decode(String.self, forKey: .network)
            mechanism = try container.decodeIfPresent(Mechanism.self, forKey: .mechanism) ?? .virtio
            pf = try container.decodeIfPresent(String.self, forKey: .pf)
            mac = try container.decodeIfPresent(MACAddress.self, forKey: .mac)
        }
    }
}

/// What the controller answers for a materialization: every allocation, and readiness.
public struct Materialization: Codable, Equatable, Sendable {
    public var id: String
    public var networks: [Network]
    public var vms: [VM]
    /// Readiness of the plumbing on every host the materialization touches.
    public var status: MaterializationStatus

    public init(id: String, networks: [Network], vms: [VM], status: MaterializationStatus) {
        self.id = id
        self.networks = networks
        self.vms = vms
        self.status = status
    }

    public struct Network: Codable, Equatable, Sendable {
        public var name: String
        public var vni: Int
        public var allowLocal: Bool
        public var guestVlans: Bool
        /// The network's one MTU, the same on every host and leaf that carries it; nil for a network without NICs.
        public var mtu: Int?

        enum CodingKeys: String, CodingKey {
            case name, vni, allowLocal = "allow_local", guestVlans = "guest_vlans", mtu
        }

        public init(name: String, vni: Int, allowLocal: Bool, guestVlans: Bool, mtu: Int? = nil) {
            self.name = name
            self.vni = vni
            self.allowLocal = allowLocal
            self.guestVlans = guestVlans
            self.mtu = mtu
        }
    }

    public struct VM: Codable, Equatable, Sendable {
        public var name: String
        public var hypervisor: String
        public var nics: [NIC]

        public init(name: String, hypervisor: String, nics: [NIC]) {
            self.name = name
            self.hypervisor = hypervisor
            self.nics = nics
        }
    }

    /// One VM NIC and its allocations. Exactly the fields of its mechanism are set:
    /// virtio: `tap`; vfio: `pf`, `pfPciAddress`, `vfIndex`, `vlan`, `vlanProtocol`;
    /// passthrough: `pf`, `pfPciAddress`, `vlan`. `mtu` and `attachment` are set once known, for every mechanism.
    public struct NIC: Codable, Equatable, Sendable {
        public var name: String
        public var network: String
        public var mechanism: Mechanism
        /// The guest MAC (virtio and vfio; nil for passthrough, which keeps the NIC's own).
        public var mac: MACAddress?
        public var tap: String?
        public var pf: String?
        public var pfPciAddress: PCIAddress?
        public var vfIndex: Int?
        public var vlan: Int?
        public var vlanProtocol: VLANProtocol?
        /// The MTU the guest must use on this NIC: its network's `mtu`.
        public var mtu: Int?
        /// How the hypervisor attached this NIC (tap and ifindex, VF PCI address and IOMMU group, …), as its agent
        /// reported it once it applied the generation this materialization needs there; nil before that.
        public var attachment: Attachment?

        enum CodingKeys: String, CodingKey {
            case name, network, mechanism, mac, tap, pf, pfPciAddress = "pf_pci_address", vfIndex = "vf_index", vlan,
                vlanProtocol = "vlan_protocol", mtu, attachment
        }

        public init(name: String, network: String, mechanism: Mechanism, mac: MACAddress? = nil, tap: String? = nil,
                    pf: String? = nil, pfPciAddress: PCIAddress? = nil, vfIndex: Int? = nil, vlan: Int? = nil,
                    vlanProtocol: VLANProtocol? = nil, mtu: Int? = nil, attachment: Attachment? = nil) {
            self.name = name
            self.network = network
            self.mechanism = mechanism
            self.mac = mac
            self.tap = tap
            self.pf = pf
            self.pfPciAddress = pfPciAddress
            self.vfIndex = vfIndex
            self.vlan = vlan
            self.vlanProtocol = vlanProtocol
            self.mtu = mtu
            self.attachment = attachment
        }
    }
}

/// The tag protocol a VF pushes: plain 802.1Q, or 802.1ad to stack over guest tags.
public enum VLANProtocol: String, Codable, Sendable {
    case dot1q = "802.1Q"
    case dot1ad = "802.1ad"
}

/// Whether a materialization's plumbing is in place everywhere.
public struct MaterializationStatus: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        /// Some host has not yet applied the generation this materialization needs.
        case pending
        /// Every host it touches has applied it.
        case ready
        /// Some host it touches has not been heard from within the configured time.
        case unresponsive
        /// Some host applied the generation but reported errors for this materialization's items
        /// (``HostReadiness/errors`` names them): it will not become ready without someone acting.
        case failed
    }

    public var state: State
    public var hosts: [HostReadiness]

    public init(state: State, hosts: [HostReadiness]) {
        self.state = state
        self.hosts = hosts
    }
}

/// One host's progress toward a materialization.
public struct HostReadiness: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case hypervisor, leaf }

    public var host: String
    public var kind: Kind
    /// The generation the host must apply for this materialization to be ready.
    public var requiredGeneration: Int64
    /// The newest generation the host reported applied (nil: never reported).
    public var appliedGeneration: Int64?
    public var lastSeen: Date?
    public var state: MaterializationStatus.State
    /// The item errors the host reported, with the generation it applied, for this materialization's
    /// items on it (its taps, VFs, PFs of its VFs, passthrough NICs, networks): empty unless `failed`.
    public var errors: [HostStatusReport.ItemError]

    enum CodingKeys: String, CodingKey {
        case host, kind, requiredGeneration = "required_generation", appliedGeneration = "applied_generation",
            lastSeen = "last_seen", state, errors
    }

    public init(host: String, kind: Kind, requiredGeneration: Int64, appliedGeneration: Int64?, lastSeen: Date?,
                state: MaterializationStatus.State, errors: [HostStatusReport.ItemError] = []) {
        self.host = host
        self.kind = kind
        self.requiredGeneration = requiredGeneration
        self.appliedGeneration = appliedGeneration
        self.lastSeen = lastSeen
        self.state = state
        self.errors = errors
    }
}

/// `GET /v1/materializations`: one line per materialization.
public struct MaterializationList: Codable, Equatable, Sendable {
    public struct Item: Codable, Equatable, Sendable {
        public var id: String
        public var state: MaterializationStatus.State
        public var networks: Int
        public var nics: Int
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, state, networks, nics, createdAt = "created_at"
        }

        public init(id: String, state: MaterializationStatus.State, networks: Int, nics: Int, createdAt: Date) {
            self.id = id
            self.state = state
            self.networks = networks
            self.nics = nics
            self.createdAt = createdAt
        }
    }

    public var materializations: [Item]

    public init(materializations: [Item]) { self.materializations = materializations }
}
