import ArgumentParser
import PlumbModel

/// `plumbctl dematerialize ID [--wait]`.
struct DematerializeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dematerialize",
        abstract: "Release everything of an experiment (DELETE /v1/materializations/ID); idempotent.",
        discussion: """
            The identifiers stay quarantined until every host the experiment touched has removed its plumbing. \
            With --wait, progress goes to standard error until those hosts have applied the change.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The materialization's id.")
    var id: String

    @Flag(help: "Wait until every host it touched has removed its plumbing.")
    var wait = false

    @Option(help: "Seconds --wait waits at most.")
    var timeout = 120

    func validate() throws {
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be between 1 and 86400 seconds") }
    }

    func run() throws {
        try reportingFailures(controller: global.controller) {
            let client = try global.client()
            let touched: [String]
            do {
                touched = try client.materialization(id: id).status.hosts.map(\.host)
            } catch let error as APIError where error.status == 404 {
                if global.json { return try global.printJSON(Outcome(id: id, deleted: false, hosts: [])) }
                return print("nothing to dematerialize: there is no materialization \(id)")
            }
            try client.dematerialize(id: id)
            if wait {
                let generations = try client.hosts().hosts.filter { touched.contains($0.name) }
                    .reduce(into: [String: Int64]()) { $0[$1.name] = $1.generation }
                try ReadinessWait(client: client, timeout: .seconds(timeout)).untilApplied(generations, label: id)
            }
            if global.json { return try global.printJSON(Outcome(id: id, deleted: true, hosts: touched)) }
            print(wait ? "dematerialized \(id): plumbing removed on \(touched.joined(separator: ", "))"
                       : "dematerialized \(id): hosts \(touched.joined(separator: ", ")) will remove its plumbing")
        }
    }

    /// `--json` output: whether anything was deleted, and the hosts it touched.
    struct Outcome: Codable {
        var id: String
        var deleted: Bool
        var hosts: [String]
    }
}
