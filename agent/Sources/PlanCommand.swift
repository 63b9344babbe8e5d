import ArgumentParser
import PlumbAgentKit
import PlumbHTTPClient
import PlumbModel
import Logging

/// `plumb-agent plan`: what applying the desired state would change; changes nothing.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what applying the desired state would change, changing nothing.",
        discussion: "The document comes from --file, or is fetched once from the controller (--controller, --host, --token-file)."
    )

    @OptionGroup var agent: AgentOptions
    @OptionGroup var controller: ControllerOptions

    @Option(help: "A desired-state JSON document to plan for instead of fetching one.")
    var file: String?

    func validate() throws {
        if file == nil {
            try controller.validateComplete()
        } else if controller.isGiven {
            throw ValidationError("give either --file or --controller/--host/--token-file, not both")
        }
    }

    func run() throws {
        try exiting {
            let logger = agent.bootstrapLogging()
            let document = try file.map { try DesiredStateFile.load($0) } ?? fetch(logger: logger)
            let reconciler = try Reconciler(configuration: agent.configuration(), logger: logger)
            print("host \(document.host), generation \(document.generation)")
            ReportOutput.printOperations(try reconciler.plan(document), verb: "change")
        }
    }

    /// The host's current document, fetched once.
    private func fetch(logger: Logger) throws -> HostDesiredState {
        let client = try controller.client(logger: logger)
        do {
            guard case .changed(let document) = try client.desired(host: controller.host!, after: nil) else {
                throw AgentExit(code: .unavailable, message: "the controller answered 304 to a request for the current document")
            }
            return document
        } catch let error as HTTPClientError {
            throw AgentExit(code: .unavailable, message: "\(error)")
        } catch let error as APIError where error.status == 401 || error.status == 403 {
            throw AgentExit(code: .permission, message: "the controller refused this host's token: \(error)")
        }
    }
}
