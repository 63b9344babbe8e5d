import PlumbModel

/// Checks a facility document on its own (no database). What the API document states (name
/// patterns, VTEP addresses, number bounds, unique tags) is a 400; what it cannot state (duplicate
/// names, unknown leaves, ranges with first above last, overlaps) is a 422, both naming the field.
/// What is in use is checked by the database when the facility is written (409).
public enum FacilityValidation {
    /// Underlay MTUs (and leaves' MTUs) accepted.
    public static let mtuRange = 1280...9216
    /// Most VFs one PF may declare.
    public static let maximumVFLimit = 2048

    /// Returns the facility unchanged, or throws the first problem as an ``APIError``.
    public static func validate(_ facility: Facility) throws -> Facility {
        try checkVNIs(facility)
        var vteps: [IPv4Address: Place] = [:]
        func claim(_ address: IPv4Address, _ place: Place) throws {
            try checkVTEP(address, field: place.field("vtep_ip"))
            if let other = vteps[address] {
                throw APIError.inconsistent(place.field("vtep_ip"), "VTEP \(address) is already used by \(other.field("vtep_ip"))")
            }
            vteps[address] = place
        }

        var leaves: [String: [String: String]] = [:]
        for (index, leaf) in facility.leaves.enumerated() {
            let place = Place.leaf(index)
            try NameRule.identifier.check(leaf.name, field: place.field("name"))
            guard leaves[leaf.name] == nil else { throw APIError.inconsistent(place.field("name"), "duplicate leaf '\(leaf.name)'") }
            try claim(leaf.vtepIp, place)
            let range = leaf.vlanRange
            guard Limits.leafVLANTags.contains(range.first), Limits.leafVLANTags.contains(range.last) else {
                throw APIError.invalid(place.field("vlan_range"), "must lie within \(Limits.leafVLANTags)")
            }
            guard range.first <= range.last else {
                throw APIError.inconsistent(place.field("vlan_range"), "first must not be above last")
            }
            try checkTags(leaf.reservedVlans, field: place.field("reserved_vlans"))
            if let mtu = leaf.mtu, !mtuRange.contains(mtu) {
                throw APIError.invalid(place.field("mtu"), "must lie within \(mtuRange.lowerBound)...\(mtuRange.upperBound)")
            }
            leaves[leaf.name] = try checkDevices(leaf, field: place.field)
        }

        var names = Set<String>()
        var ports: [CabledPort: Place] = [:]
        for (index, hypervisor) in facility.hypervisors.enumerated() {
            let place = Place.hypervisor(index)
            try NameRule.identifier.check(hypervisor.name, field: place.field("name"))
            guard names.insert(hypervisor.name).inserted else {
                throw APIError.inconsistent(place.field("name"), "duplicate hypervisor '\(hypervisor.name)'")
            }
            try claim(hypervisor.vtepIp, place)
            guard let leafDevices = leaves[hypervisor.leaf] else {
                throw APIError.inconsistent(place.field("leaf"), "unknown leaf '\(hypervisor.leaf)'")
            }
            if let underlay = hypervisor.underlayNic {
                try NameRule.interface.check(underlay, field: place.field("underlay_nic"))
            }
            guard mtuRange.contains(hypervisor.underlayMtu) else {
                throw APIError.invalid(place.field("underlay_mtu"), "must lie within \(mtuRange.lowerBound)...\(mtuRange.upperBound)")
            }
            try checkTags(hypervisor.reservedVlans, field: place.field("reserved_vlans"))
            var nicNames = Set<String>()
            var addresses = Set<PCIAddress>()
            for (nicIndex, nic) in hypervisor.nics.enumerated() {
                let nicPlace = Place.nic(hypervisor: index, nic: nicIndex)
                try NameRule.interface.check(nic.name, field: nicPlace.field("name"))
                guard nicNames.insert(nic.name).inserted else {
                    throw APIError.inconsistent(nicPlace.field("name"), "duplicate NIC '\(nic.name)' on \(hypervisor.name)")
                }
                guard addresses.insert(nic.pciAddress).inserted else {
                    throw APIError.inconsistent(nicPlace.field("pci_address"), "duplicate PCI address \(nic.pciAddress) on \(hypervisor.name)")
                }
                try NameRule.port.check(nic.leafPort, field: nicPlace.field("leaf_port"))
                try checkNotGuestVLANDevice(nic.leafPort, field: nicPlace.field("leaf_port"))
                if let device = leafDevices[nic.leafPort] {
                    throw APIError.inconsistent(nicPlace.field("leaf_port"), "port \(nic.leafPort) of leaf \(hypervisor.leaf) is its \(device)")
                }
                let port = CabledPort(leaf: hypervisor.leaf, port: nic.leafPort)
                if let other = ports[port] {
                    throw APIError.inconsistent(nicPlace.field("leaf_port"),
                                                "port \(nic.leafPort) of leaf \(hypervisor.leaf) is already cabled to \(other.field)")
                }
                ports[port] = nicPlace
                guard (0...maximumVFLimit).contains(nic.vfLimit) else {
                    throw APIError.invalid(nicPlace.field("vf_limit"), "must lie within 0...\(maximumVFLimit)")
                }
            }
        }
        return facility
    }

    /// Where a leaf, hypervisor or NIC is in the document, spelled (`hypervisors[3].nics[1]`) only when a problem
    /// names it: a facility of thousands of hypervisors has hundreds of thousands of fields.
    private enum Place {
        case leaf(Int)
        case hypervisor(Int)
        case nic(hypervisor: Int, nic: Int)

        var field: String {
            switch self {
            case .leaf(let index): "leaves[\(index)]"
            case .hypervisor(let index): "hypervisors[\(index)]"
            case .nic(let hypervisor, let nic): "hypervisors[\(hypervisor)].nics[\(nic)]"
            }
        }

        func field(_ member: String) -> String { "\(field).\(member)" }
    }

    /// A leaf port, which at most one NIC may be cabled to.
    private struct CabledPort: Hashable {
        var leaf: String
        var port: String
    }

    /// The leaf's bridge, VXLAN device and underlay port: kernel interface names, each a different device. Returns
    /// what each name is, for the check that no hypervisor NIC is cabled to one of them.
    private static func checkDevices(_ leaf: Facility.Leaf, field: (String) -> String) throws -> [String: String] {
        var devices: [String: String] = [:]
        for (name, key, what) in [(leaf.bridge, "bridge", "bridge"), (leaf.vxlanDevice, "vxlan_device", "VXLAN device"),
                                  (leaf.underlayPort, "underlay_port", "underlay port")] {
            guard let name else { continue }
            try NameRule.interface.check(name, field: field(key))
            try checkNotGuestVLANDevice(name, field: field(key))
            if let other = devices[name] {
                throw APIError.inconsistent(field(key), "\(name) is already the leaf's \(other)")
            }
            devices[name] = what
        }
        return devices
    }

    /// The leaf names guest-VLAN networks' VXLAN devices by their VNI (``LeafDesiredState/guestVLANDevice(vni:)``): no
    /// device or port the facility names on a leaf may take such a name.
    private static func checkNotGuestVLANDevice(_ name: String, field: @autoclosure () -> String) throws {
        guard LeafDesiredState.isGuestVLANDeviceName(name) else { return }
        throw APIError.inconsistent(field(), """
            \(name) is how a leaf's agent names the VXLAN device of a guest-VLAN network \
            (\(LeafDesiredState.guestVLANDevicePrefix) and its VNI); choose another name
            """)
    }

    private static func checkVNIs(_ facility: Facility) throws {
        var sorted: [(range: Facility.NumberRange, index: Int)] = []
        for (index, range) in facility.vniRanges.enumerated() {
            guard Limits.vni.contains(range.first), Limits.vni.contains(range.last) else {
                throw APIError.invalid("vni_ranges[\(index)]", "must lie within \(Limits.vni)")
            }
            guard range.first <= range.last else {
                throw APIError.inconsistent("vni_ranges[\(index)]", "first must not be above last")
            }
            sorted.append((range, index))
        }
        sorted.sort { $0.range.first < $1.range.first }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.range.first <= previous.range.last {
            throw APIError.inconsistent("vni_ranges[\(next.index)]", "overlaps vni_ranges[\(previous.index)]")
        }
        var seen = Set<Int>()
        for (index, vni) in facility.reservedVnis.enumerated() {
            guard Limits.vni.contains(vni) else {
                throw APIError.invalid("reserved_vnis[\(index)]", "must lie within \(Limits.vni)")
            }
            guard seen.insert(vni).inserted else { throw APIError.invalid("reserved_vnis[\(index)]", "duplicate VNI \(vni)") }
        }
    }

    private static func checkTags(_ tags: [Int], field: @autoclosure () -> String) throws {
        var seen = Set<Int>()
        for (index, tag) in tags.enumerated() {
            guard Limits.vlanID.contains(tag) else { throw APIError.invalid("\(field())[\(index)]", "must lie within \(Limits.vlanID)") }
            guard seen.insert(tag).inserted else { throw APIError.invalid("\(field())[\(index)]", "duplicate VLAN \(tag)") }
        }
    }

    private static func checkVTEP(_ address: IPv4Address, field: @autoclosure () -> String) throws {
        let first = address.octets[0]
        guard first != 0, first != 127, first < 224 else {
            throw APIError.invalid(field(), "\(address) cannot be a VTEP (unspecified, loopback, multicast or reserved)")
        }
    }
}
