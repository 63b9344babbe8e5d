import PlumbModel

/// The poll loop of a hypervisor's agent.
public typealias PollLoop = DesiredStateLoop<HostDesiredState>

/// The poll loop of a leaf switch's agent: the same decisions for the leaf's document.
public typealias LeafPollLoop = DesiredStateLoop<LeafDesiredState>

/// The decisions of the agent's poll loop, without any IO, for either role's desired-state document.
///
/// The runner feeds it what happened (``Event``) and performs what it answers (``Action``):
/// long-poll for the desired state after the generation it has applied, apply a document,
/// report the result, sleep with backoff while the controller cannot be reached or answers
/// 5xx (changing nothing on the host meanwhile), or stop with a clear message when the
/// controller refuses the host's token.
public struct DesiredStateLoop<Document: Equatable> {
    /// Something that happened to the runner.
    public enum Event {
        /// The agent started; it has applied nothing yet in this run.
        case start
        /// The controller answered the poll with a document (200).
        case received(Document)
        /// The poll's wait ran out with nothing newer (304).
        case notModified
        /// The poll got no usable answer.
        case pollFailed(Failure)
        /// A document was applied (perhaps with item errors); the report to send.
        case applied(HostStatusReport)
        /// Applying a document failed as a whole; nothing can be said about what is in place.
        case applyFailed(String)
        /// The controller accepted the status report.
        case reported
        /// The status report got no usable answer.
        case reportFailed(Failure)
        /// A ``Action/sleep(_:)`` ended.
        case slept
    }

    /// What the runner does next.
    public enum Action: Equatable {
        /// `GET /v1/hosts/{name}/desired?after=G` (or `/v1/leaves/…`); `nil`: ask for the current document at once.
        case poll(after: Int64?)
        /// Make the host match this document.
        case apply(Document)
        /// `PUT /v1/hosts/{name}/status` with this report.
        case report(HostStatusReport)
        /// Wait this long, changing nothing, then send ``Event/slept``.
        case sleep(Duration)
        /// Stop the agent with this message: retrying cannot help.
        case fail(String)
    }

    /// The generation the agent applied last in this run.
    public private(set) var appliedGeneration: Int64?
    /// The retry delays; reset whenever the controller answers.
    public private(set) var backoff: Backoff
    /// The longest a poll asks the controller to hold it.
    public let pollWait: Duration
    /// How much shorter than ``pollWait`` a poll's wait may be drawn, as a fraction of it (0 ... 1).
    public let pollWaitJitter: Double

    private var random: any RandomNumberGenerator
    private var lastDocument: Document?
    private var lastApplyFailed = false
    private var pendingReport: HostStatusReport?
    private var afterSleep: Action?

    /// - Parameters:
    ///   - backoff: the retry delays while the controller is unreachable.
    ///   - pollWait: the longest a poll asks the controller to hold it.
    ///   - pollWaitJitter: how much shorter a poll's wait may be, as a fraction of `pollWait`.
    ///   - random: the jitter source for `backoff` and the polls' waits.
    /// - Precondition: `0 <= pollWaitJitter <= 1`.
    public init(backoff: Backoff = Backoff(), pollWait: Duration = .seconds(60), pollWaitJitter: Double = 0.25,
                random: some RandomNumberGenerator = SystemRandomNumberGenerator()) {
        precondition((0...1).contains(pollWaitJitter), "PollLoop needs 0 <= pollWaitJitter <= 1")
        self.backoff = backoff
        self.pollWait = pollWait
        self.pollWaitJitter = pollWaitJitter
        self.random = random
    }

    /// The wait to ask for in the next ``Action/poll(after:)``: whole seconds (as the controller
    /// takes them), uniform in `pollWait · (1 − pollWaitJitter) ... pollWait`. Agents that started
    /// together — after a controller restart, a rack power-up, one change answered to all — then
    /// time out and come back spread over that interval instead of all at once, every poll.
    public mutating func nextPollWait() -> Duration {
        let (wholeSeconds, attoseconds) = pollWait.components
        let longest = max(0, wholeSeconds + (attoseconds > 0 ? 1 : 0))
        let shortest = Int64((Double(longest) * (1 - pollWaitJitter)).rounded(.up))
        guard longest > shortest else { return .seconds(longest) }
        let fraction = Double(random.next() >> 11) / Double((UInt64(1) << 53) - 1)
        let drawn = shortest + Int64((fraction * Double(longest - shortest + 1)).rounded(.down))
        return .seconds(min(drawn, longest))
    }

    /// Takes one event and returns the one action to perform next.
    public mutating func handle(_ event: Event) -> Action {
        switch event {
        case .start:
            return .poll(after: appliedGeneration)

        case .received(let document):
            backoff.reset()
            lastDocument = document
            return .apply(document)

        case .notModified:
            backoff.reset()
            // Nothing new: retry a document that left errors behind, otherwise keep waiting.
            if lastApplyFailed, let document = lastDocument {
                return .apply(document)
            }
            return .poll(after: appliedGeneration)

        case .pollFailed(let failure):
            if let message = failure.fatalMessage { return .fail(message) }
            return retryLater(.poll(after: appliedGeneration))

        case .applied(let report):
            appliedGeneration = report.appliedGeneration
            lastApplyFailed = !report.errors.isEmpty
            pendingReport = report
            return .report(report)

        case .applyFailed:
            // The applied generation stays where it was, so the next poll brings the document back at once.
            lastApplyFailed = true
            return retryLater(.poll(after: appliedGeneration))

        case .reported:
            backoff.reset()
            pendingReport = nil
            return .poll(after: appliedGeneration)

        case .reportFailed(let failure):
            if let message = failure.fatalMessage { return .fail(message) }
            guard let report = pendingReport else { return retryLater(.poll(after: appliedGeneration)) }
            return retryLater(.report(report))

        case .slept:
            let next = afterSleep ?? .poll(after: appliedGeneration)
            afterSleep = nil
            return next
        }
    }

    private mutating func retryLater(_ action: Action) -> Action {
        afterSleep = action
        return .sleep(backoff.next(using: &random))
    }
}
