import ArgumentParser

/// `plumbctl hosts`.
struct HostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "Every hypervisor and leaf: its generation, what it applied, when it was last seen, its state."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures(controller: global.controller) {
            let list = try global.client().hosts()
            if global.json { return try global.printJSON(list) }
            var table = TextTable("HOST", "KIND", "GENERATION", "APPLIED", "LAST SEEN", "STATE", "ERRORS")
            for host in list.hosts {
                let errors = host.errors.map { "\($0.item): \($0.message)" }.joined(separator: "; ")
                table.add(host.name, host.kind.rawValue, String(host.generation), host.appliedGeneration.map(String.init) ?? "-",
                          TimeText.ago(host.lastSeen), host.state.rawValue, errors.isEmpty ? "-" : errors)
            }
            print(table.rendered)
        }
    }
}
