import PlumbModel

/// The names of plan items, which item errors are reported against and which the attachment report skips when
/// they failed: written once here for the planner and the reconciler.
public enum PlanItem {
    public static func network(vni: Int) -> String { "network \(vni)" }
    public static func tap(_ name: String) -> String { "tap \(name)" }
    public static func pf(_ name: String) -> String { "pf \(name)" }
    public static func vf(pf: String, index: Int) -> String { "vf \(pf)/\(index)" }
    public static func passthrough(_ address: PCIAddress) -> String { "passthrough \(address)" }
}
