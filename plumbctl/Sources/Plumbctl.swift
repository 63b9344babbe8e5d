import ArgumentParser

/// `plumbctl`: the operator's command line for the Plumb controller's API.
struct Plumbctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plumbctl",
        abstract: "Operate a Plumb controller: facility, materializations, hosts, tokens, audit.",
        discussion: """
            Every command takes --controller URL (env PLUMB_CONTROLLER, default http://127.0.0.1:8470), \
            --token-file FILE (env PLUMB_TOKEN_FILE, default /var/lib/plumb/admin.token) and --json (print the \
            API's JSON instead of tables), before or after the command.
            Exit codes: 0 done; 1 the controller refused the request (4xx, with the field and reason); \
            64 bad usage; 65 an input file is not valid JSON for its kind; 66 an input file cannot be read; \
            69 the controller cannot be reached or failed (5xx); 75 --wait ran out of time, or a host has not reported what was asked for yet; 77 the token was \
            refused (401/403); 78 the token file is unusable.
            """,
        subcommands: [FacilityCommand.self, MaterializeCommand.self, DematerializeCommand.self, StatusCommand.self,
                      HostsCommand.self, TokenCommand.self, AuditCommand.self, AttachmentsCommand.self]
    )

    @OptionGroup var global: GlobalOptions
}
