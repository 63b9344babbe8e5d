import PlumbModel

/// Checks a status report on its own (no database), as `controller/openapi.json` states it: every
/// refusal is a 400 naming the field. Whether the generation is one the host had is checked by
/// the database (422).
public enum StatusReportValidation {
    /// Most VFs a PCI function can declare (`sriov_totalvfs` is a 16-bit register).
    public static let maximumVFLimit = 65_535
    /// Interface indices the kernel hands out (a positive `int`).
    static let interfaceIndices = 1...Int(Int32.max)
    /// IOMMU group numbers (`/sys/kernel/iommu_groups/N`, an `int`).
    static let iommuGroups = 0...Int(Int32.max)

    /// Returns the report unchanged, or throws the first problem as an ``APIError``.
    public static func validate(_ report: HostStatusReport) throws -> HostStatusReport {
        guard report.appliedGeneration >= 0 else {
            throw APIError.invalid("applied_generation", "must not be negative")
        }
        for (index, nic) in (report.inventory?.nics ?? []).enumerated() where !(0...maximumVFLimit).contains(nic.vfLimit) {
            throw APIError.invalid("inventory.nics[\(index)].vf_limit", "must lie within 0...\(maximumVFLimit)")
        }
        for (index, attachment) in (report.attachments ?? []).enumerated() {
            try validate(attachment, field: "attachments[\(index)]")
        }
        return report
    }

    /// An attachment's names follow the rules of what they name; its numbers lie in their ranges.
    private static func validate(_ attachment: Attachment, field: String) throws {
        try NameRule.materializationID.check(attachment.materialization, field: "\(field).materialization")
        try NameRule.identifier.check(attachment.vm, field: "\(field).vm")
        for (name, value) in [("nic", attachment.nic), ("tap", attachment.tap), ("pf", attachment.pf), ("vf_netdev", attachment.vfNetdev)] {
            if let value { try NameRule.interface.check(value, field: "\(field).\(name)") }
        }
        if let mac = attachment.mac, mac == .zero || mac.isMulticast {
            throw APIError.invalid("\(field).mac", "\(mac) is not a unicast MAC")
        }
        if let mtu = attachment.mtu, !Limits.mtu.contains(mtu) {
            throw APIError.invalid("\(field).mtu", "must lie within \(Limits.mtu)")
        }
        for (name, value, range) in [("tap_ifindex", attachment.tapIfindex, Self.interfaceIndices),
                                     ("vf_index", attachment.vfIndex, 0...(maximumVFLimit - 1)),
                                     ("iommu_group", attachment.iommuGroup, Self.iommuGroups)] {
            if let value, !range.contains(value) { throw APIError.invalid("\(field).\(name)", "must lie within \(range)") }
        }
    }
}
