import PlumbModel

/// One MTU per network: the smallest overlay MTU among the hypervisors with NICs on it (each one's
/// underlay MTU less ``Limits/vxlanOverhead``), and no more than what the leaves of its VF and
/// passthrough members allow (``Facility/Leaf/mtu``; a leaf without it adds no limit); a network whose
/// guests tag their own frames gives their tag room (``Limits/guestTagLength`` less).
///
/// The rule's only definition: the allocator stores its answer with the network (`networks.mtu`),
/// desired states and answers read it from there, and a facility change is checked against it
/// (``ControllerStore/putFacility(_:actor:)``).
public enum NetworkMTU {
    /// What one network spans: its hypervisors' underlay MTUs and its VF and passthrough members' leaves' MTUs.
    public struct Span: Equatable, Sendable {
        public var underlayMTUs: [Int]
        public var leafMTUs: [Int?]
        /// The network's guests send VLAN-tagged frames (``MaterializationSpec/Network/guestVlans``).
        public var guestVlans: Bool

        public init(underlayMTUs: [Int], leafMTUs: [Int?] = [], guestVlans: Bool = false) {
            self.underlayMTUs = underlayMTUs
            self.leafMTUs = leafMTUs
            self.guestVlans = guestVlans
        }
    }

    /// The network's MTU; nil for a network no hypervisor carries (it has no NICs).
    public static func mtu(_ span: Span) -> Int? {
        guard let overlay = span.underlayMTUs.map(overlayMTU(underlay:)).min() else { return nil }
        return guestRoom(([overlay] + span.leafMTUs.compactMap { $0 }).min()!, guestVlans: span.guestVlans)
    }

    /// What a limit of the path (an overlay or a leaf MTU) leaves for a network's frames: all of it, or less the
    /// guest's own tag where the guests tag their frames.
    static func guestRoom(_ limit: Int, guestVlans: Bool) -> Int { guestVlans ? limit - Limits.guestTagLength : limit }

    /// What a hypervisor's underlay leaves for the overlay.
    public static func overlayMTU(underlay: Int) -> Int { underlay - Limits.vxlanOverhead }

    /// Each network of the request with its MTU (the plan's networks, in order).
    static func assign(_ networks: [AllocationPlan.Network], _ context: AllocationContext) -> [AllocationPlan.Network] {
        let members = Dictionary(grouping: context.request.nics, by: \.network)
        return networks.map { network in
            var network = network
            let nics = members[network.name] ?? []
            network.mtu = mtu(Span(
                underlayMTUs: nics.map { context.hypervisor(of: $0).underlayMtu },
                leafMTUs: nics.filter { $0.mechanism != .virtio }.map { context.leaf(context.hypervisor(of: $0).leaf)?.mtu },
                guestVlans: network.guestVlans))
            return network
        }
    }
}

extension NetworkMTU {
    /// A live network with its stored MTU and what it spans under a facility being declared (`plumb.put_facility`).
    struct StoredNetwork: Decodable {
        struct Hypervisor: Decodable {
            var name: String
            var underlayMtu: Int

            enum CodingKeys: String, CodingKey { case name, underlayMtu = "underlay_mtu" }
        }
        struct Leaf: Decodable { var name: String; var mtu: Int? }
        var materialization: String
        var network: String
        var mtu: Int
        var guestVlans: Bool
        var hypervisors: [Hypervisor]
        var leaves: [Leaf]

        enum CodingKeys: String, CodingKey { case materialization, network, mtu, guestVlans = "guest_vlans", hypervisors, leaves }
    }

    /// The refusal of a facility change under which a live network's MTU would have to go lower, naming the network
    /// and the field that lowers it; nil if every network keeps its MTU.
    ///
    /// Refused rather than applied: a running guest took its MTU when it started (QEMU's `host_mtu`, libvirt's
    /// `<mtu>`), so lowering the network's devices under it would drop its full-size frames without a word — the
    /// black hole one MTU per network exists to prevent. Dematerialize (or move) the network first. A raised MTU
    /// is no danger and leaves stored MTUs as they are.
    static func loweringRefusal(_ networks: [StoredNetwork], in facility: Facility) -> APIError? {
        for network in networks {
            let span = Span(underlayMTUs: network.hypervisors.map(\.underlayMtu), leafMTUs: network.leaves.map(\.mtu),
                            guestVlans: network.guestVlans)
            guard let mtu = mtu(span), mtu < network.mtu else { continue }
            let carried = { (limit: Int) in guestRoom(limit, guestVlans: network.guestVlans) }
            let field: String
            let reason: String
            if let limit = network.hypervisors.first(where: { carried(overlayMTU(underlay: $0.underlayMtu)) < network.mtu }),
               let index = facility.hypervisors.firstIndex(where: { $0.name == limit.name }) {
                field = "hypervisors[\(index)].underlay_mtu"
                reason = "hypervisor \(limit.name)'s underlay MTU \(limit.underlayMtu) leaves \(overlayMTU(underlay: limit.underlayMtu))"
            } else if let limit = network.leaves.first(where: { carried($0.mtu ?? .max) < network.mtu }),
                      let index = facility.leaves.firstIndex(where: { $0.name == limit.name }) {
                field = "leaves[\(index)].mtu"
                reason = "leaf \(limit.name) passes \(limit.mtu ?? 0)"
            } else {
                field = "hypervisors"
                reason = "it would be \(mtu)"
            }
            return APIError(status: 409, code: "in_use", message: """
                network \(network.network) of materialization \(network.materialization) has MTU \(network.mtu), which its \
                running guests use; \(reason): dematerialize it first, or keep its MTU
                """, field: field)
        }
        return nil
    }
}
