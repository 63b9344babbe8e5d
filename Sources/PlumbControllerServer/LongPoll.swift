import PlumbModel

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

    /// Checks the query parameters (400 naming `after` or `wait` when one is negative); a `wait` beyond
    /// ``maximumWaitSeconds`` is clamped.
    public init(after: Int64?, wait: Int?) throws {
        if let after, after < 0 {
            throw APIError.invalid("after", "must be a generation: an integer of at least 0, got \(after)")
        }
        if let wait, wait < 0 {
            throw APIError.invalid("wait", "must be a number of seconds: an integer of at least 0, got \(wait)")
        }
        self.after = after
        waitSeconds = min(wait ?? 0, Self.maximumWaitSeconds)
    }

    /// True when a document of `generation` answers this request at once.
    public func isAnsweredBy(generation: Int64) -> Bool {
        guard let after else { return true }
        return generation > after
    }
}
