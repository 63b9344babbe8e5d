import ArgumentParser
import PlumbAgentKit

/// `plumb-agent cleanup`: remove everything Plumb owns on this host.
struct CleanupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Remove everything Plumb owns on this host (devices marked as Plumb's, VF settings, vfio bindings).",
        discussion: "Needs root. Devices Plumb did not make are never touched. VMs using the plumbing lose their network."
    )

    @OptionGroup var agent: AgentOptions

    func run() throws {
        try exiting {
            let logger = agent.bootstrapLogging()
            try AgentExit.requireRoot("cleanup")
            let reconciler = try Reconciler(configuration: agent.configuration(), logger: logger)
            try ReportOutput.finish(try reconciler.cleanup(), verb: "clean up")
        }
    }
}
