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
        var vteps: [IPv4Address: String] = [:]
        func claim(_ address: IPv4Address, _ field: String) throws {
            try checkVTEP(address, field: field)
            if let other = vteps[address] {
                throw APIError.inconsistent(field, "VTEP \(address) is already used by \(other)")
            }
            vteps[address] = field
        }

        var leaves: [String: [String: String]] = [:]
        for (index, leaf) in facility.leaves.enumerated() {
            let field = "leaves[\(index)]"
            try NameRule.identifier.check(leaf.name, field: "\(field).name")
            guard leaves[leaf.name] == nil else { throw APIError.inconsistent("\(field).name", "duplicate leaf '\(leaf.name)'") }
            try claim(leaf.vtepIp, "\(field).vtep_ip")
            let range = leaf.vlanRange
            guard Limits.leafVLANTags.contains(range.first), Limits.leafVLANTags.contains(range.last) else {
                throw APIError.invalid("\(field).vlan_range", "must lie within \(Limits.leafVLANTags)")
            }
            guard range.first <= range.last else {
                throw APIError.inconsistent("\(field).vlan_range", "first must not be above last")
            }
            try checkTags(leaf.reservedVlans, field: "\(field).reserved_vlans")
            if let mtu = leaf.mtu, !mtuRange.contains(mtu) {
                throw APIError.invalid("\(field).mtu", "must lie within \(mtuRange.lowerBound)...\(mtuRange.upperBound)")
            }
            leaves[leaf.name] = try checkDevices(leaf, field: field)
        }

        var names = Set<String>()
        var ports: [String: String] = [:]
        for (index, hypervisor) in facility.hypervisors.enumerated() {
            let field = "hypervisors[\(index)]"
            try NameRule.identifier.check(hypervisor.name, field: "\(field).name")
            guard names.insert(hypervisor.name).inserted else {
                throw APIError.inconsistent("\(field).name", "duplicate hypervisor '\(hypervisor.name)'")
            }
            try claim(hypervisor.vtepIp, "\(field).vtep_ip")
            guard let leafDevices = leaves[hypervisor.leaf] else {
                throw APIError.inconsistent("\(field).leaf", "unknown leaf '\(hypervisor.leaf)'")
            }
            if let underlay = hypervisor.underlayNic {
                try NameRule.interface.check(underlay, field: "\(field).underlay_nic")
            }
            guard mtuRange.contains(hypervisor.underlayMtu) else {
                throw APIError.invalid("\(field).underlay_mtu", "must lie within \(mtuRange.lowerBound)...\(mtuRange.upperBound)")
            }
            try checkTags(hypervisor.reservedVlans, field: "\(field).reserved_vlans")
            var nicNames = Set<String>()
            var addresses = Set<PCIAddress>()
            for (nicIndex, nic) in hypervisor.nics.enumerated() {
                let nicField = "\(field).nics[\(nicIndex)]"
                try NameRule.interface.check(nic.name, field: "\(nicField).name")
                guard nicNames.insert(nic.name).inserted else {
                    throw APIError.inconsistent("\(nicField).name", "duplicate NIC '\(nic.name)' on \(hypervisor.name)")
                }
                guard addresses.insert(nic.pciAddress).inserted else {
                    throw APIError.inconsistent("\(nicField).pci_address", "duplicate PCI address \(nic.pciAddress) on \(hypervisor.name)")
                }
                try NameRule.port.check(nic.leafPort, field: "\(nicField).leaf_port")
                try checkNotGuestVLANDevice(nic.leafPort, field: "\(nicField).leaf_port")
                if let device = leafDevices[nic.leafPort] {
                    throw APIError.inconsistent("\(nicField).leaf_port", "port \(nic.leafPort) of leaf \(hypervisor.leaf) is its \(device)")
                }
                let portKey = "\(hypervisor.leaf) \(nic.leafPort)"
                if let other = ports[portKey] {
                    throw APIError.inconsistent("\(nicField).leaf_port", "port \(nic.leafPort) of leaf \(hypervisor.leaf) is already cabled to \(other)")
                }
                ports[portKey] = nicField
                guard (0...maximumVFLimit).contains(nic.vfLimit) else {
                    throw APIError.invalid("\(nicField).vf_limit", "must lie within 0...\(maximumVFLimit)")
                }
            }
        }
        return facility
    }

    /// The leaf's bridge, VXLAN device and underlay port: kernel interface names, each a different device. Returns
    /// what each name is, for the check that no hypervisor NIC is cabled to one of them.
    private static func checkDevices(_ leaf: Facility.Leaf, field: String) throws -> [String: String] {
        var devices: [String: String] = [:]
        for (name, key, what) in [(leaf.bridge, "bridge", "bridge"), (leaf.vxlanDevice, "vxlan_device", "VXLAN device"),
                                  (leaf.underlayPort, "underlay_port", "underlay port")] {
            guard let name else { continue }
            try NameRule.interface.check(name, field: "\(field).\(key)")
            try checkNotGuestVLANDevice(name, field: "\(field).\(key)")
            if let other = devices[name] {
                throw APIError.inconsistent("\(field).\(key)", "\(name) is already the leaf's \(other)")
            }
            devices[name] = what
        }
        return devices
    }

    /// The leaf names guest-VLAN networks' VXLAN devices by their VNI (``LeafDesiredState/guestVLANDevice(vni:)``): no
    /// device or port the facility names on a leaf may take such a name.
    private static func checkNotGuestVLANDevice(_ name: String, field: String) throws {
        guard LeafDesiredState.isGuestVLANDeviceName(name) else { return }
        throw APIError.inconsistent(field, """
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

    private static func checkTags(_ tags: [Int], field: String) throws {
        var seen = Set<Int>()
        for (index, tag) in tags.enumerated() {
            guard Limits.vlanID.contains(tag) else { throw APIError.invalid("\(field)[\(index)]", "must lie within \(Limits.vlanID)") }
            guard seen.insert(tag).inserted else { throw APIError.invalid("\(field)[\(index)]", "duplicate VLAN \(tag)") }
        }
    }

    private static func checkVTEP(_ address: IPv4Address, field: String) throws {
        let first = address.octets[0]
        guard first != 0, first != 127, first < 224 else {
            throw APIError.invalid(field, "\(address) cannot be a VTEP (unspecified, loopback, multicast or reserved)")
        }
    }
}
