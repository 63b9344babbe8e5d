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
        var leaves: [Facility.Leaf] = []
        leaves.reserveCapacity(wire.leaves?.count ?? 0)
        for leaf in wire.leaves ?? [] {
            guard let vtep = IPv4Address(leaf.vtepIp) else { return nil }
            var domain = Facility.Leaf(name: leaf.name, vtepIp: vtep,
                                       vlanRange: Facility.NumberRange(first: leaf.vlanRange.first, last: leaf.vlanRange.last))
            if let reserved = leaf.reservedVlans { domain.reservedVlans = reserved }
            domain.mtu = leaf.mtu
            if let bridge = leaf.bridge { domain.bridge = bridge }
            if let device = leaf.vxlanDevice { domain.vxlanDevice = device }
            domain.underlayPort = leaf.underlayPort
            if let tagProtocol = leaf.vlanProtocol {
                guard let known = VLANProtocol(rawValue: tagProtocol.rawValue) else { return nil }
                domain.vlanProtocol = known
            }
            leaves.append(domain)
        }
        var hypervisors: [Facility.Hypervisor] = []
        hypervisors.reserveCapacity(wire.hypervisors?.count ?? 0)
        for hypervisor in wire.hypervisors ?? [] {
            guard let vtep = IPv4Address(hypervisor.vtepIp) else { return nil }
            var domain = Facility.Hypervisor(name: hypervisor.name, vtepIp: vtep, leaf: hypervisor.leaf)
            domain.underlayNic = hypervisor.underlayNic
            if let mtu = hypervisor.underlayMtu { domain.underlayMtu = mtu }
            if let reserved = hypervisor.reservedVlans { domain.reservedVlans = reserved }
            domain.nics.reserveCapacity(hypervisor.nics?.count ?? 0)
            for nic in hypervisor.nics ?? [] {
                guard let address = PCIAddress(nic.pciAddress) else { return nil }
                var domainNIC = Facility.NIC(name: nic.name, pciAddress: address, leafPort: nic.leafPort)
                if let limit = nic.vfLimit { domainNIC.vfLimit = limit }
                if let mayMix = nic.mayMix { domainNIC.mayMix = mayMix }
                if let stacks = nic.canStackVlans { domainNIC.canStackVlans = stacks }
                if let passthrough = nic.passthrough { domainNIC.passthrough = passthrough }
                domain.nics.append(domainNIC)
            }
            hypervisors.append(domain)
        }
        return Facility(vniRanges: wire.vniRanges.map { Facility.NumberRange(first: $0.first, last: $0.last) },
                        reservedVnis: wire.reservedVnis ?? [], leaves: leaves, hypervisors: hypervisors)
    }
}
