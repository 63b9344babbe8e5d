import ArgumentParser

/// `plumb-agent`: makes this hypervisor's network plumbing match what the Plumb controller wants.
struct PlumbAgentCommand: ParsableCommand {
    /// Reported to the controller with every status report.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "plumb-agent",
        abstract: "Plumb's per-hypervisor agent: pulls desired state over HTTP, applies it over netlink.",
        discussion: """
            Exit codes: 0 done; 1 some items could not be applied (listed); 64 bad usage; 65 bad desired-state \
            document; 69 controller unreachable (plan); 77 not root, netlink refused, or the controller refused \
            the token; 78 bad configuration (token file, CA file).
            """,
        version: version,
        subcommands: [RunCommand.self, PlanCommand.self, ApplyCommand.self, CleanupCommand.self, LeafCommand.self]
    )
}
