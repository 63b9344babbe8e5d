import PlumbModel

/// A host the controller keeps a generation for: a hypervisor or a leaf switch, by name.
public struct HostKey: Hashable, Sendable, CustomStringConvertible {
    public typealias Kind = HostReadiness.Kind

    /// Hypervisor or leaf switch.
    public var kind: Kind
    /// The name it has in the facility.
    public var name: String

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    public static func hypervisor(_ name: String) -> HostKey { HostKey(kind: .hypervisor, name: name) }
    public static func leaf(_ name: String) -> HostKey { HostKey(kind: .leaf, name: name) }

    /// `hypervisor:NAME` or `leaf:NAME`, as in the `plumb_generation` notifications.
    public var description: String { "\(kind.rawValue):\(name)" }
}
