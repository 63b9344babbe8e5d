import Foundation

/// What the controller's logic needs to know beyond the database.
public struct ControllerConfiguration: Sendable {
    /// A host whose last report is older than this is `unresponsive` (default 60 s).
    public var unresponsiveAfter: TimeInterval

    public init(unresponsiveAfter: TimeInterval = 60) {
        self.unresponsiveAfter = unresponsiveAfter
    }
}
