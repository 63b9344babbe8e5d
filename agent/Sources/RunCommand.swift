import ArgumentParser
import Glibc
import PlumbAgentKit

/// `plumb-agent run`: keep this host converged with the controller until SIGTERM or SIGINT.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Long-poll the controller and keep this host's plumbing converged until stopped.",
        discussion: """
            Needs root. While the controller is unreachable or failing, nothing changes on the host and the \
            agent retries with backoff. SIGTERM or SIGINT stops the agent and leaves the plumbing in place.
            """
    )

    @OptionGroup var agent: AgentOptions
    @OptionGroup var controller: ControllerOptions

    @Option(help: "Seconds the controller may hold each poll before answering 304.")
    var wait = 60

    func validate() throws {
        try controller.validateComplete()
        guard (1...3600).contains(wait) else { throw ValidationError("--wait must be between 1 and 3600 seconds, got \(wait)") }
    }

    func run() throws {
        try exiting {
            let logger = agent.bootstrapLogging()
            try AgentExit.requireRoot("run")
            let client = try controller.client(logger: logger)
            let reconciler = try Reconciler(configuration: agent.configuration(), logger: logger)
            let runner = AgentRunner(host: controller.host!, client: client, reconciler: reconciler, wait: .seconds(wait),
                                     agentVersion: "plumb-agent \(PlumbAgentCommand.version)", logger: logger)
            try SignalStop.runUntilStopped(runner, logger: logger)
        }
    }
}
