/// The query of a desired-state request: `?after=G&wait=S`.
public struct LongPoll: Sendable, Equatable {
    /// The generation the caller already has; nil asks for the current document at once.
    public var after: Int64?
    /// How long to hold the request for a newer generation, in seconds (0: answer at once, 304 if nothing is newer).
    public var waitSeconds: Int

    /// The longest a request is held; a larger `wait` is clamped to this.
    public static let maximumWaitSeconds = 300

    public init(after: Int64?, waitSeconds: Int) {
        self.after = after
        self.waitSeconds = waitSeconds
    }

    /// The query as decoded (``ParameterRule`` refused negative values at the edge); a `wait` beyond
    /// ``maximumWaitSeconds`` is clamped.
    public init(after: Int64?, wait: Int?) {
        self.after = after
        waitSeconds = min(wait ?? 0, Self.maximumWaitSeconds)
    }

    /// True when a document of `generation` answers this request at once.
    public func isAnsweredBy(generation: Int64) -> Bool {
        guard let after else { return true }
        return generation > after
    }
}
