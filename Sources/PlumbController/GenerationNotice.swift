/// One entry of a `NOTIFY plumb_generation` payload: `kind:name:generation`.
///
/// A payload holds one entry or several separated by spaces (host names have none): the database
/// announces every host one statement raised together, in as few notifications as fit.
public struct GenerationNotice: Sendable, Equatable {
    public var host: HostKey
    public var generation: Int64

    public init(host: HostKey, generation: Int64) {
        self.host = host
        self.generation = generation
    }

    /// The channel the database announces generation rises on.
    public static let channel = "plumb_generation"

    /// Parses one entry; nil when it is not `hypervisor|leaf:NAME:GENERATION`.
    public init?(payload: Substring) {
        guard let firstColon = payload.firstIndex(of: ":"), let lastColon = payload.lastIndex(of: ":"),
              firstColon < lastColon,
              let kind = HostKey.Kind(rawValue: String(payload[..<firstColon])),
              let generation = Int64(payload[payload.index(after: lastColon)...]) else { return nil }
        let name = String(payload[payload.index(after: firstColon)..<lastColon])
        guard !name.isEmpty else { return nil }
        self.init(host: HostKey(kind: kind, name: name), generation: generation)
    }

    /// Parses one entry; nil when it is not `hypervisor|leaf:NAME:GENERATION`.
    public init?(payload: String) {
        self.init(payload: payload[...])
    }

    /// Every entry of a payload; nil when one of them does not parse.
    public static func all(in payload: String) -> [GenerationNotice]? {
        var notices: [GenerationNotice] = []
        for entry in payload.split(separator: " ") {
            guard let notice = GenerationNotice(payload: entry) else { return nil }
            notices.append(notice)
        }
        return notices.isEmpty ? nil : notices
    }
}
