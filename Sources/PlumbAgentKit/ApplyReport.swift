import PlumbModel

/// The outcome of applying a plan: the operations carried out and the items that failed.
public struct ApplyReport: Equatable, Sendable {
    /// The operations that succeeded, in the order they ran. Operations of failed items are not in it.
    public var operations: [Operation]
    /// One entry per item that could not be applied: refused by the planner, or failed while running.
    public var errors: [HostStatusReport.ItemError]

    public init(operations: [Operation] = [], errors: [HostStatusReport.ItemError] = []) {
        self.operations = operations
        self.errors = errors
    }
}
