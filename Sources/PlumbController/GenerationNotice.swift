/// One `NOTIFY plumb_generation` payload: `kind:name:generation`.
public struct GenerationNotice: Sendable, Equatable {
    public var host: HostKey
    public var generation: Int64

    public init(host: HostKey, generation: Int64) {
        self.host = host
        self.generation = generation
    }

    /// The channel the database announces generation rises on.
    public static let channel = "plumb_generation"

    /// Parses a payload; nil when it is not `hypervisor|leaf:NAME:GENERATION`.
    public init?(payload: String) {
        guard let firstColon = payload.firstIndex(of: ":"), let lastColon = payload.lastIndex(of: ":"),
              firstColon < lastColon,
              let kind = HostKey.Kind(rawValue: String(payload[..<firstColon])),
              let generation = Int64(payload[payload.index(after: lastColon)...]) else { return nil }
        let name = String(payload[payload.index(after: firstColon)..<lastColon])
        guard !name.isEmpty else { return nil }
        self.init(host: HostKey(kind: kind, name: name), generation: generation)
    }
}
