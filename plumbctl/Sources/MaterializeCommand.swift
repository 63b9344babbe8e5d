import ArgumentParser
import Foundation
import PlumbModel

/// `plumbctl materialize FILE [--id ID] [--wait]`.
struct MaterializeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize",
        abstract: "Allocate everything an experiment needs (PUT /v1/materializations/ID) and show the allocations.",
        discussion: """
            The file holds the networks and VMs (a MaterializationSpec). Applying the same file again changes \
            nothing. With --wait, progress (hosts applied out of hosts touched) goes to standard error until \
            every host has applied the plumbing, then the allocations are printed.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The experiment's networks and VMs, as JSON; '-' reads standard input.")
    var file: String

    @Option(help: "The materialization's id (default: the file's name without its extension).")
    var id: String?

    @Flag(help: "Wait until every host the experiment touches has applied it.")
    var wait = false

    @Option(help: "Seconds --wait waits at most.")
    var timeout = 120

    func validate() throws {
        guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be between 1 and 86400 seconds") }
        if id == nil, file == "-" { throw ValidationError("--id is needed when the experiment comes from standard input") }
    }

    func run() throws {
        try reportingFailures(controller: global.controller) {
            let spec = try InputFile.decode(MaterializationSpec.self, path: file, kind: "materialization spec")
            let id = self.id ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            let client = try global.client()
            var materialization = try client.materialize(id: id, spec: spec)
            if wait {
                materialization = try ReadinessWait(client: client, timeout: .seconds(timeout)).untilReady(id: id)
            }
            if global.json { return try global.printJSON(materialization) }
            print(MaterializationText.render(materialization))
        }
    }
}
