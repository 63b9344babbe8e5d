import PlumbModel

/// Checks a status report on its own (no database), as `controller/openapi.json` states it: every
/// refusal is a 400 naming the field. Whether the generation is one the host had is checked by
/// the database (422).
public enum StatusReportValidation {
    /// Most VFs a PCI function can declare (`sriov_totalvfs` is a 16-bit register).
    public static let maximumVFLimit = 65_535

    /// Returns the report unchanged, or throws the first problem as an ``APIError``.
    public static func validate(_ report: HostStatusReport) throws -> HostStatusReport {
        guard report.appliedGeneration >= 0 else {
            throw APIError.invalid("applied_generation", "must not be negative")
        }
        for (index, nic) in (report.inventory?.nics ?? []).enumerated() where !(0...maximumVFLimit).contains(nic.vfLimit) {
            throw APIError.invalid("inventory.nics[\(index)].vf_limit", "must lie within 0...\(maximumVFLimit)")
        }
        return report
    }
}
