import PlumbModel

/// Checks a materialization request on its own (no database) and normalises it. What the API
/// document states (name patterns and lengths, unicast MACs, at most 64 NICs) is a 400; what it
/// cannot state (duplicates, references, fields that do not fit the mechanism) is a 422, both naming
/// the field. Hypervisors and PFs are checked against the facility by the allocator.
public enum SpecValidation {
    /// Most NICs one VM may have.
    public static let maximumNICsPerVM = 64

    /// Returns the spec with every NIC named (`eth<index>` by default), or throws the first problem.
    public static func validate(id: String, spec: MaterializationSpec) throws -> MaterializationSpec {
        try NameRule.materializationID.check(id, field: "id")
        var normalized = spec
        var networks = Set<String>()
        for (index, network) in spec.networks.enumerated() {
            try NameRule.identifier.check(network.name, field: "networks[\(index)].name")
            guard networks.insert(network.name).inserted else {
                throw APIError.inconsistent("networks[\(index)].name", "duplicate network '\(network.name)'")
            }
        }
        var vms = Set<String>()
        var macs: [MACAddress: String] = [:]
        for (vmIndex, vm) in spec.vms.enumerated() {
            let field = "vms[\(vmIndex)]"
            try NameRule.identifier.check(vm.name, field: "\(field).name")
            guard vms.insert(vm.name).inserted else { throw APIError.inconsistent("\(field).name", "duplicate VM '\(vm.name)'") }
            try NameRule.identifier.check(vm.hypervisor, field: "\(field).hypervisor")
            guard vm.nics.count <= maximumNICsPerVM else {
                throw APIError.invalid("\(field).nics", "a VM has at most \(maximumNICsPerVM) NICs")
            }
            var nicNames = Set<String>()
            for (nicIndex, nic) in vm.nics.enumerated() {
                let nicField = "\(field).nics[\(nicIndex)]"
                let name = nic.name ?? "eth\(nicIndex)"
                try NameRule.interface.check(name, field: "\(nicField).name")
                guard nicNames.insert(name).inserted else {
                    throw APIError.inconsistent("\(nicField).name", "duplicate NIC '\(name)' in VM \(vm.name)")
                }
                normalized.vms[vmIndex].nics[nicIndex].name = name
                guard networks.contains(nic.network) else {
                    throw APIError.inconsistent("\(nicField).network", "unknown network '\(nic.network)'")
                }
                if let pf = nic.pf {
                    guard nic.mechanism != .virtio else {
                        throw APIError.inconsistent("\(nicField).pf", "a PF is chosen for vfio and passthrough NICs only")
                    }
                    try NameRule.interface.check(pf, field: "\(nicField).pf")
                }
                if let mac = nic.mac {
                    guard nic.mechanism != .passthrough else {
                        throw APIError.inconsistent("\(nicField).mac", "a passthrough NIC keeps its own MAC")
                    }
                    guard mac != .zero, !mac.isMulticast else {
                        throw APIError.invalid("\(nicField).mac", "\(mac) is not a unicast MAC")
                    }
                    if let other = macs[mac] {
                        throw APIError.inconsistent("\(nicField).mac", "MAC \(mac) is also requested by \(other)")
                    }
                    macs[mac] = nicField
                }
            }
        }
        return normalized
    }
}
