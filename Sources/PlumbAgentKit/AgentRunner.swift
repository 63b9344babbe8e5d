import Foundation
import Logging
import PlumbHTTPClient
import PlumbModel

/// The hypervisor agent's main loop: long-polls the controller for this host's desired state, applies it with
/// the ``Reconciler`` and reports the result, performing what ``PollLoop`` decides.
public typealias AgentRunner = DesiredStateRunner<HostDesiredState>

/// The leaf switch agent's main loop: the same loop for `GET /v1/leaves/{name}/desired`, applied with
/// ``Reconciler/applyLeaf(_:)``.
public typealias LeafAgentRunner = DesiredStateRunner<LeafDesiredState>

/// An agent's main loop for either role: long-polls the controller for the desired-state document, applies it and
/// reports the result, performing what ``DesiredStateLoop`` decides.
///
/// ``run()`` blocks until ``stop()`` is called (from any thread, e.g. a signal handler) or the
/// controller refuses the host's token. Stopping leaves the host's plumbing as it is.
public final class DesiredStateRunner<Document: Equatable>: @unchecked Sendable {
    /// The host name this agent serves (`/v1/hosts/{name}` or `/v1/leaves/{name}`).
    public let host: String
    /// The longest the controller may hold a poll (each poll asks for up to a quarter less, drawn at random).
    public let wait: Duration

    private let client: ControllerClient
    private let fetch: (_ after: Int64?, _ wait: Duration) throws -> DesiredStateResponse<Document>
    private let applyDocument: (Document) throws -> HostStatusReport
    private let describe: (Document) -> (host: String, generation: Int64)
    private let backoff: Backoff
    private let logger: Logger
    private let stopSignal = StopSignal()

    /// - Parameters:
    ///   - host: this host's name as the facility declares it.
    ///   - client: the controller client, configured with this host's token.
    ///   - fetch: one long poll for the document after a generation.
    ///   - apply: makes the host match a document and returns the report to send (item errors inside); throws when
    ///     nothing can be said about what is in place.
    ///   - describe: the host a document is for and its generation.
    public init(host: String, client: ControllerClient, wait: Duration, backoff: Backoff, logger: Logger,
                fetch: @escaping (_ after: Int64?, _ wait: Duration) throws -> DesiredStateResponse<Document>,
                apply: @escaping (Document) throws -> HostStatusReport,
                describe: @escaping (Document) -> (host: String, generation: Int64)) {
        self.host = host
        self.client = client
        self.wait = wait
        self.backoff = backoff
        self.logger = logger
        self.fetch = fetch
        self.applyDocument = apply
        self.describe = describe
    }

    /// Runs the loop until ``stop()``; throws ``AgentRunnerError`` when retrying cannot help.
    public func run() throws {
        var loop = DesiredStateLoop<Document>(backoff: backoff, pollWait: wait)
        var action = loop.handle(.start)
        logger.info("agent started", metadata: ["host": "\(host)", "controller": "\(client.baseURL)"])
        while !stopSignal.isStopped {
            let event: DesiredStateLoop<Document>.Event
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

    private func poll(after: Int64?, wait: Duration) -> DesiredStateLoop<Document>.Event {
        logger.debug("polling for desired state", metadata: ["after": "\(after.map(String.init) ?? "none")"])
        do {
            switch try fetch(after, wait) {
            case .changed(let document):
                logger.info("desired state received", metadata: ["generation": "\(describe(document).generation)"])
                return .received(document)
            case .notModified:
                return .notModified
            }
        } catch {
            let failure = DesiredStateLoop<Document>.Failure(error)
            if !stopSignal.isStopped { logger.warning("poll failed", metadata: ["error": "\(failure)"]) }
            return .pollFailed(failure)
        }
    }

    private func apply(_ document: Document) -> DesiredStateLoop<Document>.Event {
        let (documentHost, generation) = describe(document)
        guard documentHost == host else {
            let message = "the controller sent the document of host \(documentHost) to host \(host)"
            logger.error("apply refused", metadata: ["error": "\(message)"])
            return .applyFailed(message)
        }
        do {
            return .applied(try applyDocument(document))
        } catch {
            logger.error("apply failed", metadata: ["generation": "\(generation)", "error": "\(error)"])
            return .applyFailed(String(describing: error))
        }
    }

    private func send(_ report: HostStatusReport) -> DesiredStateLoop<Document>.Event {
        do {
            try client.putStatus(host: host, report)
            logger.debug("status reported", metadata: ["applied_generation": "\(report.appliedGeneration)"])
            return .reported
        } catch {
            let failure = DesiredStateLoop<Document>.Failure(error)
            if !stopSignal.isStopped { logger.warning("status report failed", metadata: ["error": "\(failure)"]) }
            return .reportFailed(failure)
        }
    }
}

extension DesiredStateRunner where Document == HostDesiredState {
    /// A hypervisor's agent.
    ///
    /// - Parameters:
    ///   - host: this host's name as the facility declares it.
    ///   - client: the controller client, configured with this host's token.
    ///   - reconciler: applies documents to this host.
    ///   - wait: how long each long poll may be held by the controller.
    ///   - backoff: retry delays while the controller is unreachable.
    ///   - agentVersion: reported to the controller for operators.
    public convenience init(host: String, client: ControllerClient, reconciler: Reconciler, wait: Duration = .seconds(60),
                            backoff: Backoff = Backoff(), agentVersion: String? = nil, logger: Logger) {
        self.init(host: host, client: client, wait: wait, backoff: backoff, logger: logger,
                  fetch: { after, wait in try client.desired(host: host, after: after, wait: wait) },
                  apply: { document in
                      let report = try reconciler.apply(document)
                      DesiredStateRunner.log(report, generation: document.generation, logger: logger)
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
                      return HostStatusReport(appliedGeneration: document.generation, errors: report.errors,
                                              inventory: inventory, agentVersion: agentVersion, attachments: attachments)
                  },
                  describe: { ($0.host, $0.generation) })
    }
}

extension DesiredStateRunner where Document == LeafDesiredState {
    /// A leaf switch's agent: the leaf's own token, `GET /v1/leaves/{name}/desired`, status reports like a hypervisor's
    /// (without inventory).
    public convenience init(leaf: String, client: ControllerClient, reconciler: Reconciler,
                            wait: Duration = .seconds(60), backoff: Backoff = Backoff(), agentVersion: String? = nil,
                            logger: Logger) {
        self.init(host: leaf, client: client, wait: wait, backoff: backoff, logger: logger,
                  fetch: { after, wait in try client.leafDesired(leaf: leaf, after: after, wait: wait) },
                  apply: { document in
                      let report = try reconciler.applyLeaf(document)
                      DesiredStateRunner.log(report, generation: document.generation, logger: logger)
                      return HostStatusReport(appliedGeneration: document.generation, errors: report.errors,
                                              agentVersion: agentVersion)
                  },
                  describe: { ($0.leaf, $0.generation) })
    }
}

extension DesiredStateRunner {
    /// Logs each item that was not applied, then the totals.
    static func log(_ report: ApplyReport, generation: Int64, logger: Logger) {
        for itemError in report.errors {
            logger.error("item not applied", metadata: ["item": "\(itemError.item)", "error": "\(itemError.message)"])
        }
        logger.info("desired state applied", metadata: [
            "generation": "\(generation)", "operations": "\(report.operations.count)", "errors": "\(report.errors.count)",
        ])
    }
}

/// The agent stopped because retrying cannot help (the controller refused the host's token).
public struct AgentRunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
