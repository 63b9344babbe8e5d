import PlumbModel

/// An ordered list of operations that makes the host match its desired state, and the items that cannot be
/// applied (with why), which the plan leaves alone.
public struct Plan: Equatable, Sendable {
    public var operations: [Operation]
    public var errors: [HostStatusReport.ItemError]

    public init(operations: [Operation] = [], errors: [HostStatusReport.ItemError] = []) {
        self.operations = operations
        self.errors = errors
    }
}

/// The pure diff between desired and observed state. No IO: it reads only its arguments.
///
/// Order of a plan: give back PCI devices Plumb no longer needs; delete Plumb's stale devices (taps, then VXLAN
/// devices, then bridges); per network create or fix the bridge, then the VXLAN device, its forwarding entries
/// (deletions before additions) and the taps; then SR-IOV PFs and their VFs; then passthrough devices.
/// Applying a plan and planning again against the result yields an empty plan.
public enum Planner {
    /// The plan that makes `observed` match `desired`.
    public static func plan(desired: HostDesiredState, observed: ObservedHost, configuration: AgentConfiguration) -> Plan {
        var builder = PlanBuilder(observed: observed, configuration: configuration)
        builder.releasePCIDevices(keepingPFs: desired.pfs, passthrough: desired.passthrough)
        builder.planNetworks(desired.networks, vtep: desired.vtep)
        builder.planPFs(desired.pfs, passthrough: desired.passthrough)
        builder.planPassthrough(desired.passthrough, pfs: desired.pfs)
        return builder.plan
    }

    /// The plan that removes everything Plumb owns: its devices, its SR-IOV settings and the PCI devices it took.
    public static func cleanup(observed: ObservedHost, configuration: AgentConfiguration) -> Plan {
        var builder = PlanBuilder(observed: observed, configuration: configuration)
        builder.releasePCIDevices(keepingPFs: [], passthrough: [])
        builder.planNetworks([], vtep: nil)
        return builder.plan
    }
}

/// The state of one planning run: what is observed, and the plan so far.
struct PlanBuilder {
    let observed: ObservedHost
    let configuration: AgentConfiguration
    private(set) var plan = Plan()
    /// The observed links by name and the VXLAN entries by device index, so planning stays linear in the host's size.
    private let linksByName: [String: ObservedLink]
    private let fdbByIndex: [Int32: [ObservedFDBEntry]]

    init(observed: ObservedHost, configuration: AgentConfiguration) {
        self.observed = observed
        self.configuration = configuration
        linksByName = Dictionary(observed.links.map { ($0.name, $0) }) { first, _ in first }
        fdbByIndex = Dictionary(grouping: observed.fdb, by: \.index)
    }

    /// The observed device called `name`, if any.
    func link(named name: String) -> ObservedLink? { linksByName[name] }

    /// The observed VXLAN forwarding entries of the device with `index`.
    func fdb(of index: Int32) -> [ObservedFDBEntry] { fdbByIndex[index] ?? [] }

    mutating func add(_ item: String, parent: String? = nil, _ action: Action) {
        plan.operations.append(Operation(item: item, parentItem: parent, action))
    }

    mutating func fail(_ item: String, _ message: String) {
        plan.errors.append(HostStatusReport.ItemError(item: item, message: message))
    }
}
