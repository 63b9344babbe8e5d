import Foundation
import Logging
import PlumbHTTPClient
import PlumbModel

/// The agent's main loop: long-polls the controller for this host's desired state, applies it with
/// the ``Reconciler`` and reports the result, performing what ``PollLoop`` decides.
///
/// ``run()`` blocks until ``stop()`` is called (from any thread, e.g. a signal handler) or the
/// controller refuses the host's token. Stopping leaves the host's plumbing as it is.
public final class AgentRunner: @unchecked Sendable {
    /// The host name this agent serves (`/v1/hosts/{name}`).
    public let host: String
    /// The longest the controller may hold a poll (each poll asks for up to a quarter less, drawn at random).
    public let wait: Duration

    private let client: ControllerClient
    private let reconciler: Reconciler
    private let backoff: Backoff
    private let agentVersion: String?
    private let logger: Logger
    private let stopSignal = StopSignal()

    /// - Parameters:
    ///   - host: this host's name as the facility declares it.
    ///   - client: the controller client, configured with this host's token.
    ///   - reconciler: applies documents to this host.
    ///   - wait: how long each long poll may be held by the controller.
    ///   - backoff: retry delays while the controller is unreachable.
    ///   - agentVersion: reported to the controller for operators.
    public init(host: String, client: ControllerClient, reconciler: Reconciler, wait: Duration = .seconds(60),
                backoff: Backoff = Backoff(), agentVersion: String? = nil, logger: Logger) {
        self.host = host
        self.client = client
        self.reconciler = reconciler
        self.wait = wait
        self.backoff = backoff
        self.agentVersion = agentVersion
        self.logger = logger
    }

    /// Runs the loop until ``stop()``; throws ``AgentRunnerError`` when retrying cannot help.
    public func run() throws {
        var loop = PollLoop(backoff: backoff, pollWait: wait)
        var action = loop.handle(.start)
        logger.info("agent started", metadata: ["host": "\(host)", "controller": "\(client.baseURL)"])
        while !stopSignal.isStopped {
            let event: PollLoop.Event
            switch action {
            case .poll(let after):
                event = poll(after: after, wait: loop.nextPollWait())
            case .apply(let document):
                event = apply(document)
            case .report(let report):
                event = send(report)
            case .sleep(let delay):
                logger.info("retrying later", metadata: ["delay": "\(delay)", "failures": "\(loop.backoff.failures)"])
                if stopSignal.wait(for: delay) { continue }
                event = .slept
            case .fail(let message):
                logger.critical("agent stopping", metadata: ["reason": "\(message)"])
                throw AgentRunnerError(message: message)
            }
            if stopSignal.isStopped { break }
            action = loop.handle(event)
        }
        logger.info("agent stopped; plumbing left in place", metadata: ["applied_generation": "\(loop.appliedGeneration.map(String.init) ?? "none")"])
    }

    /// Stops ``run()``: the request or sleep in progress ends at once and nothing more is applied.
    /// Safe to call from any thread, more than once.
    public func stop() {
        stopSignal.stop()
        client.cancel()
    }

    private func poll(after: Int64?, wait: Duration) -> PollLoop.Event {
        logger.debug("polling for desired state", metadata: ["after": "\(after.map(String.init) ?? "none")"])
        do {
            switch try client.desired(host: host, after: after, wait: wait) {
            case .changed(let document):
                logger.info("desired state received", metadata: ["generation": "\(document.generation)"])
                return .received(document)
            case .notModified:
                return .notModified
            }
        } catch {
            let failure = PollLoop.Failure(error)
            if !stopSignal.isStopped { logger.warning("poll failed", metadata: ["error": "\(failure)"]) }
            return .pollFailed(failure)
        }
    }

    private func apply(_ document: HostDesiredState) -> PollLoop.Event {
        guard document.host == host else {
            let message = "the controller sent the document of host \(document.host) to host \(host)"
            logger.error("apply refused", metadata: ["error": "\(message)"])
            return .applyFailed(message)
        }
        let report: ApplyReport
        do {
            report = try reconciler.apply(document)
        } catch {
            logger.error("apply failed", metadata: ["generation": "\(document.generation)", "error": "\(error)"])
            return .applyFailed(String(describing: error))
        }
        for itemError in report.errors {
            logger.error("item not applied", metadata: ["item": "\(itemError.item)", "error": "\(itemError.message)"])
        }
        logger.info("desired state applied", metadata: [
            "generation": "\(document.generation)", "operations": "\(report.operations.count)", "errors": "\(report.errors.count)",
        ])
        var inventory: HostStatusReport.Inventory?
        do {
            inventory = try reconciler.inventory()
        } catch {
            logger.warning("inventory not read", metadata: ["error": "\(error)"])
        }
        var attachments: [Attachment]?
        do {
            attachments = try reconciler.attachments(document, errors: report.errors)
        } catch {
            logger.warning("attachments not read", metadata: ["error": "\(error)"])
        }
        return .applied(HostStatusReport(appliedGeneration: document.generation, errors: report.errors, inventory: inventory,
                                         agentVersion: agentVersion, attachments: attachments))
    }

    private func send(_ report: HostStatusReport) -> PollLoop.Event {
        do {
            try client.putStatus(host: host, report)
            logger.debug("status reported", metadata: ["applied_generation": "\(report.appliedGeneration)"])
            return .reported
        } catch {
            let failure = PollLoop.Failure(error)
            if !stopSignal.isStopped { logger.warning("status report failed", metadata: ["error": "\(failure)"]) }
            return .reportFailed(failure)
        }
    }
}

/// The agent stopped because retrying cannot help (the controller refused the host's token).
public struct AgentRunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
