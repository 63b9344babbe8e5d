import ArgumentParser

/// `plumbctl status [ID]`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List every materialization, or show one's allocations and readiness."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A materialization's id.")
    var id: String?

    func run() throws {
        try reportingFailures(controller: global.controller) {
            let client = try global.client()
            if let id {
                let materialization = try client.materialization(id: id)
                if global.json { return try global.printJSON(materialization) }
                return print(MaterializationText.render(materialization))
            }
            let list = try client.materializations()
            if global.json { return try global.printJSON(list) }
            guard !list.materializations.isEmpty else { return print("no materializations") }
            var table = TextTable("ID", "STATE", "NETWORKS", "NICS", "CREATED")
            for item in list.materializations {
                table.add(item.id, item.state.rawValue, String(item.networks), String(item.nics), TimeText.absolute(item.createdAt))
            }
            print(table.rendered)
        }
    }
}
