/// `PATCH /v1/facility`: new values for some members of some declared hypervisors, sent without the rest of the
/// facility. The rule of applying it is ``apply(to:)``; what it makes is then checked and written as a whole
/// declaration would be.
public struct FacilityPatch: Codable, Equatable, Sendable {
    public var hypervisors: [Hypervisor]

    enum CodingKeys: String, CodingKey {
        case hypervisors
    }

    public init(hypervisors: [Hypervisor] = []) {
        self.hypervisors = hypervisors
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hypervisors = try container.decodeIfPresent([Hypervisor].self, forKey: .hypervisors) ?? []
    }

    /// One declared hypervisor's new values: each member given replaces the declared one, each nil stays.
    public struct Hypervisor: Codable, Equatable, Sendable {
        public var name: String
        public var vtepIp: IPv4Address?
        public var leaf: String?
        public var underlayNic: String?
        public var underlayMtu: Int?
        public var reservedVlans: [Int]?
        public var nics: [Facility.NIC]?

        enum CodingKeys: String, CodingKey {
            case name, vtepIp = "vtep_ip", leaf, underlayNic = "underlay_nic", underlayMtu = "underlay_mtu",
                reservedVlans = "reserved_vlans", nics
        }

        public init(name: String, vtepIp: IPv4Address? = nil, leaf: String? = nil, underlayNic: String? = nil,
                    underlayMtu: Int? = nil, reservedVlans: [Int]? = nil, nics: [Facility.NIC]? = nil) {
            self.name = name
            self.vtepIp = vtepIp
            self.leaf = leaf
            self.underlayNic = underlayNic
            self.underlayMtu = underlayMtu
            self.reservedVlans = reservedVlans
            self.nics = nics
        }

        /// `declared` with this patch's members in place of its own.
        func applied(to declared: Facility.Hypervisor) -> Facility.Hypervisor {
            var hypervisor = declared
            if let vtepIp { hypervisor.vtepIp = vtepIp }
            if let leaf { hypervisor.leaf = leaf }
            if let underlayNic { hypervisor.underlayNic = underlayNic }
            if let underlayMtu { hypervisor.underlayMtu = underlayMtu }
            if let reservedVlans { hypervisor.reservedVlans = reservedVlans }
            if let nics { hypervisor.nics = nics }
            return hypervisor
        }
    }

    /// The facility `declared` becomes: every hypervisor named here changed in place (the order of the
    /// declaration kept), everything else as declared. A name that is not declared, or named twice, is a 422
    /// naming `hypervisors[i].name` of this patch.
    public func apply(to declared: Facility) throws -> Facility {
        var position: [String: Int] = [:]
        position.reserveCapacity(declared.hypervisors.count)
        for (index, hypervisor) in declared.hypervisors.enumerated() { position[hypervisor.name] = index }
        var facility = declared
        var seen: Set<String> = []
        for (index, change) in hypervisors.enumerated() {
            let field = "hypervisors[\(index)].name"
            guard seen.insert(change.name).inserted else {
                throw APIError.inconsistent(field, "hypervisor '\(change.name)' is named twice in the patch")
            }
            guard let at = position[change.name] else {
                throw APIError.inconsistent(field, "no hypervisor '\(change.name)' is declared (PUT /v1/facility declares new ones)")
            }
            facility.hypervisors[at] = change.applied(to: facility.hypervisors[at])
        }
        return facility
    }

    /// A refusal of the facility this patch made, pointed at the patch: the facility's `hypervisors[N]…` becomes
    /// the patch's `hypervisors[i]…` where the patch changed that hypervisor. A refusal about a hypervisor the patch
    /// left alone (a VTEP the patch gave to a second hypervisor is refused on whichever comes later) names that
    /// hypervisor in the message, and its field is the declared facility's, prefixed `facility.`.
    public func pointedAtPatch(_ refusal: APIError, in facility: Facility) -> APIError {
        let prefix = "hypervisors["
        guard let field = refusal.field, field.hasPrefix(prefix), let close = field.firstIndex(of: "]"),
              let index = Int(field[field.index(field.startIndex, offsetBy: prefix.count)..<close]),
              facility.hypervisors.indices.contains(index) else { return refusal }
        let name = facility.hypervisors[index].name
        var pointed = refusal
        if let patchIndex = hypervisors.firstIndex(where: { $0.name == name }) {
            pointed.field = "hypervisors[\(patchIndex)]" + field[field.index(after: close)...]
        } else {
            pointed.field = "facility." + field
            pointed.message = "declared hypervisor '\(name)': " + refusal.message
        }
        return pointed
    }
}
