import Foundation

/// What an agent reports after applying: `PUT /v1/hosts/{name}/status`.
public struct HostStatusReport: Codable, Equatable, Sendable {
    /// The generation the agent applied (fully or with the item errors below).
    public var appliedGeneration: Int64
    /// Items that failed to apply; the rest of the document was applied.
    public var errors: [ItemError]
    /// What the agent found on the host.
    public var inventory: Inventory?
    /// The agent's version string, for operators.
    public var agentVersion: String?
    /// How each VM NIC of the applied document is attached on this host (what its hypervisor manager needs), for
    /// the NICs that were applied; nil from agents that do not report it.
    public var attachments: [Attachment]?

    enum CodingKeys: String, CodingKey {
        case appliedGeneration = "applied_generation", errors, inventory, agentVersion = "agent_version", attachments
    }

    public init(appliedGeneration: Int64, errors: [ItemError] = [], inventory: Inventory? = nil, agentVersion: String? = nil,
                attachments: [Attachment]? = nil) {
        self.appliedGeneration = appliedGeneration
        self.errors = errors
        self.inventory = inventory
        self.agentVersion = agentVersion
        self.attachments = attachments
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        appliedGeneration = try container.decode(Int64.self, forKey: .appliedGeneration)
        errors = try container.decodeIfPresent([ItemError].self, forKey: .errors) ?? []
        inventory = try container.decodeIfPresent(Inventory.self, forKey: .inventory)
        agentVersion = try container.decodeIfPresent(String.self, forKey: .agentVersion)
        attachments = try container.decodeIfPresent([Attachment].self, forKey: .attachments)
    }

    /// One item that could not be applied, e.g. `vf enp59s0f0/3`.
    public struct ItemError: Codable, Equatable, Sendable {
        public var item: String
        public var message: String
        public init(item: String, message: String) {
            self.item = item
            self.message = message
        }
    }

    public struct Inventory: Codable, Equatable, Sendable {
        public var nics: [NIC]
        public init(nics: [NIC]) { self.nics = nics }

        /// A physical NIC the agent found.
        public struct NIC: Codable, Equatable, Sendable {
            public var name: String
            public var pciAddress: PCIAddress?
            /// `sriov_totalvfs` (0 without SR-IOV).
            public var vfLimit: Int
            /// PCI addresses of the VFs that exist now, by VF index.
            public var vfPciAddresses: [PCIAddress]
            /// The driver bound now (`vfio-pci` while passed through).
            public var driver: String?

            enum CodingKeys: String, CodingKey {
                case name, pciAddress = "pci_address", vfLimit = "vf_limit", vfPciAddresses = "vf_pci_addresses",
                    driver
            }

            public init(name: String, pciAddress: PCIAddress?, vfLimit: Int, vfPciAddresses: [PCIAddress] = [], driver: String? = nil) {
                self.name = name
                self.pciAddress = pciAddress
                self.vfLimit = vfLimit
                self.vfPciAddresses = vfPciAddresses
                self.driver = driver
            }
        }
    }
}

/// `GET /v1/hosts`: every host and what the controller knows of it.
public struct HostList: Codable, Equatable, Sendable {
    public struct Host: Codable, Equatable, Sendable {
        public enum State: String, Codable, Sendable {
            /// Applied its newest generation.
            case converged
            /// Has a newer generation to apply.
            case pending
            /// Not heard from within the configured time.
            case unresponsive
            /// Never reported.
            case unknown
        }

        public var name: String
        public var kind: HostReadiness.Kind
        public var generation: Int64
        public var appliedGeneration: Int64?
        public var lastSeen: Date?
        public var state: State
        public var errors: [HostStatusReport.ItemError]

        enum CodingKeys: String, CodingKey {
            case name, kind, generation, appliedGeneration = "applied_generation", lastSeen = "last_seen", state,
                errors
        }

        public init(name: String, kind: HostReadiness.Kind, generation: Int64, appliedGeneration: Int64?, lastSeen: Date?,
                    state: State, errors: [HostStatusReport.ItemError]) {
            self.name = name
            self.kind = kind
            self.generation = generation
            self.appliedGeneration = appliedGeneration
            self.lastSeen = lastSeen
            self.state = state
            self.errors = errors
        }
    }

    public var hosts: [Host]
    public init(hosts: [Host]) { self.hosts = hosts }
}

/// `POST /v1/hosts/{name}/token`: a new bearer token for one host (shown once; stored hashed).
public struct HostToken: Codable, Equatable, Sendable {
    public var host: String
    public var token: String
    public init(host: String, token: String) {
        self.host = host
        self.token = token
    }
}
