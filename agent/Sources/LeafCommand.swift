import ArgumentParser
import Glibc
import PlumbAgentKit
import PlumbModel

/// `plumb-agent leaf …`: the agent on a Linux-based leaf switch, with the hypervisor agent's kernel layer.
struct LeafCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaf",
        abstract: "Run on a Linux leaf switch: VLAN-aware bridge, VXLAN VLAN→VNI mappings, access and trunk ports, FDB.",
        subcommands: [LeafRunCommand.self, LeafApplyCommand.self, LeafCleanupCommand.self]
    )
}

/// `plumb-agent leaf run`: keep this leaf converged with the controller until SIGTERM or SIGINT.
struct LeafRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Long-poll GET /v1/leaves/{name}/desired and keep this leaf's plumbing converged until stopped.",
        discussion: """
            Needs root. Uses the leaf's own token (plumbctl token LEAF). While the controller is unreachable nothing \
            changes and the agent retries with backoff; SIGTERM or SIGINT stops it and leaves the plumbing in place.
            """
    )

    @OptionGroup var agent: AgentOptions
    @OptionGroup var controller: ControllerOptions

    @Option(help: "This leaf's name as the facility declares it.")
    var leaf: String

    @Option(help: "Seconds the controller may hold each poll before answering 304.")
    var wait = 60

    func validate() throws {
        try controller.validateComplete(requiringHost: false)
        guard (1...3600).contains(wait) else { throw ValidationError("--wait must be between 1 and 3600 seconds, got \(wait)") }
    }

    func run() throws {
        try exiting {
            let logger = agent.bootstrapLogging()
            try AgentExit.requireRoot("leaf run")
            let client = try controller.client(logger: logger, requiringHost: false)
            let reconciler = try Reconciler(configuration: agent.configuration(), logger: logger)
            let runner = LeafAgentRunner(leaf: leaf, client: client, reconciler: reconciler, wait: .seconds(wait),
                                         agentVersion: "plumb-agent \(PlumbAgentCommand.version)", logger: logger)
            try SignalStop.runUntilStopped(runner, logger: logger)
        }
    }
}

/// `plumb-agent leaf apply FILE`: apply a leaf desired-state document from a file, without a controller.
struct LeafApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply a leaf desired-state JSON document from a file, without a controller.",
        discussion: "Needs root. Prints the operations done; exits 1 when some items could not be applied."
    )

    @OptionGroup var agent: AgentOptions

    @Flag(help: "Only print what would change.")
    var dryRun = false

    @Argument(help: "The leaf desired-state JSON document (as GET /v1/leaves/{name}/desired serves it).")
    var file: String

    func run() throws {
        try exiting {
            let logger = agent.bootstrapLogging()
            try AgentExit.requireRoot("leaf apply")
            let document = try DesiredStateFile.load(file, as: LeafDesiredState.self)
            let reconciler = try Reconciler(configuration: agent.configuration(), logger: logger)
            if dryRun {
                let plan = try reconciler.planLeaf(document)
                ReportOutput.printOperations(plan.operations, verb: "change")
                for error in plan.errors { print("error: \(error.item): \(error.message)") }
                return
            }
            try ReportOutput.finish(try reconciler.applyLeaf(document), verb: "apply")
        }
    }
}

/// `plumb-agent leaf cleanup`: remove Plumb's bridge and VXLAN device from this leaf.
struct LeafCleanupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Remove Plumb's bridge and VXLAN device from this leaf; its ports are released.",
        discussion: "Needs root. Finds them by Plumb's link group and alias, whatever the facility names them; devices Plumb did not make are never touched."
    )

    @OptionGroup var agent: AgentOptions

    func run() throws {
        try exiting {
            let logger = agent.bootstrapLogging()
            try AgentExit.requireRoot("leaf cleanup")
            let reconciler = try Reconciler(configuration: agent.configuration(), logger: logger)
            try ReportOutput.finish(try reconciler.cleanupLeaf(), verb: "clean up")
        }
    }
}
