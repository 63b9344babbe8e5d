import ArgumentParser
import PlumbAgentKit

/// `plumb-agent apply FILE`: apply a desired-state document from a file, without a controller.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply a desired-state JSON document from a file, without a controller.",
        discussion: "Needs root. Prints the operations done; exits 1 when some items could not be applied."
    )

    @OptionGroup var agent: AgentOptions

    @Argument(help: "The desired-state JSON document (as GET /v1/hosts/{name}/desired serves it).")
    var file: String

    func run() throws {
        try exiting {
            let logger = agent.bootstrapLogging()
            try AgentExit.requireRoot("apply")
            let document = try DesiredStateFile.load(file)
            let reconciler = try Reconciler(configuration: agent.configuration(), logger: logger)
            try ReportOutput.finish(try reconciler.apply(document), verb: "apply")
        }
    }
}
