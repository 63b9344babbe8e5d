import PlumbAPI
import PlumbModel

extension Wire {
    /// The domain facility of a decoded `PUT /v1/facility` body, member by member — no JSON pass: a facility of
    /// thousands of hypervisors is megabytes, and going through its JSON form again cost a quarter of the change.
    ///
    /// nil when a value does not parse: ``domain(_:from:)`` then refuses the body with the field named, as
    /// for every other body. Members left out take the domain type's defaults (its memberwise initializers'),
    /// and `WireTests` holds the result equal to ``domain(_:from:)``'s for the document's examples, full and
    /// minimal.
    static func facility(_ wire: Components.Schemas.Facility) -> Facility? {
        guard let leaves = all(wire.leaves, leaf), let hypervisors = all(wire.hypervisors, hypervisor) else { return nil }
        return Facility(vniRanges: wire.vniRanges.map { Facility.NumberRange(first: $0.first, last: $0.last) },
                        reservedVnis: wire.reservedVnis ?? [], leaves: leaves, hypervisors: hypervisors)
    }

    /// The domain patch of a decoded `PATCH /v1/facility` body, member by member as ``facility(_:)``: a patch of
    /// thousands of hypervisors went through its JSON form again in a tenth of the change's controller CPU. nil when
    /// a value does not parse (``domain(_:from:)`` then names the field); `WireTests` holds the result equal to
    /// ``domain(_:from:)``'s.
    static func facilityPatch(_ wire: Components.Schemas.FacilityPatch) -> FacilityPatch? {
        guard let hypervisors = all(wire.hypervisors, hypervisorPatch) else { return nil }
        return FacilityPatch(hypervisors: hypervisors)
    }

    private static func hypervisorPatch(_ wire: Components.Schemas.HypervisorPatch) -> FacilityPatch.Hypervisor? {
        var patch = FacilityPatch.Hypervisor(name: wire.name, leaf: wire.leaf, underlayNic: wire.underlayNic,
                                             underlayMtu: wire.underlayMtu, reservedVlans: wire.reservedVlans)
        if let vtep = wire.vtepIp {
            guard let address = IPv4Address(vtep) else { return nil }
            patch.vtepIp = address
        }
        if let nics = wire.nics {
            guard let converted = all(nics, nic) else { return nil }
            patch.nics = converted
        }
        return patch
    }

    private static func leaf(_ wire: Components.Schemas.Leaf) -> Facility.Leaf? {
        guard let vtep = IPv4Address(wire.vtepIp) else { return nil }
        var leaf = Facility.Leaf(name: wire.name, vtepIp: vtep,
                                 vlanRange: Facility.NumberRange(first: wire.vlanRange.first, last: wire.vlanRange.last))
        if let reserved = wire.reservedVlans { leaf.reservedVlans = reserved }
        leaf.mtu = wire.mtu
        if let bridge = wire.bridge { leaf.bridge = bridge }
        if let device = wire.vxlanDevice { leaf.vxlanDevice = device }
        leaf.underlayPort = wire.underlayPort
        if let tagProtocol = wire.vlanProtocol {
            guard let known = VLANProtocol(rawValue: tagProtocol.rawValue) else { return nil }
            leaf.vlanProtocol = known
        }
        return leaf
    }

    private static func hypervisor(_ wire: Components.Schemas.Hypervisor) -> Facility.Hypervisor? {
        guard let vtep = IPv4Address(wire.vtepIp), let nics = all(wire.nics, nic) else { return nil }
        var hypervisor = Facility.Hypervisor(name: wire.name, vtepIp: vtep, leaf: wire.leaf, nics: nics)
        hypervisor.underlayNic = wire.underlayNic
        if let mtu = wire.underlayMtu { hypervisor.underlayMtu = mtu }
        if let reserved = wire.reservedVlans { hypervisor.reservedVlans = reserved }
        return hypervisor
    }

    private static func nic(_ wire: Components.Schemas.FacilityNIC) -> Facility.NIC? {
        guard let address = PCIAddress(wire.pciAddress) else { return nil }
        var nic = Facility.NIC(name: wire.name, pciAddress: address, leafPort: wire.leafPort)
        if let limit = wire.vfLimit { nic.vfLimit = limit }
        if let mayMix = wire.mayMix { nic.mayMix = mayMix }
        if let stacks = wire.canStackVlans { nic.canStackVlans = stacks }
        if let passthrough = wire.passthrough { nic.passthrough = passthrough }
        return nic
    }

    /// Every element of an optional list converted, or nil as soon as one does not convert.
    private static func all<Member, Domain>(_ members: [Member]?, _ convert: (Member) -> Domain?) -> [Domain]? {
        var converted: [Domain] = []
        converted.reserveCapacity(members?.count ?? 0)
        for member in members ?? [] {
            guard let domain = convert(member) else { return nil }
            converted.append(domain)
        }
        return converted
    }
}
