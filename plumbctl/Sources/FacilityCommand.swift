import ArgumentParser
import PlumbModel

/// `plumbctl facility apply FILE | show`.
struct FacilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facility",
        abstract: "Declare or show the facility: leaves, hypervisors, NICs, VNI ranges.",
        subcommands: [Apply.self, Show.self]
    )

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare the whole facility from a JSON file (PUT /v1/facility); '-' reads standard input.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The facility document.") var file: String

        func run() throws {
            try reportingFailures(controller: global.controller) {
                let facility = try InputFile.decode(Facility.self, path: file, kind: "facility")
                let stored = try global.client().putFacility(facility)
                if global.json { return try global.printJSON(stored) }
                let ranges = stored.vniRanges.map { "\($0.first)-\($0.last)" }.joined(separator: ", ")
                print("facility applied: \(stored.hypervisors.count) hypervisors, \(stored.leaves.count) leaves, VNIs \(ranges)")
                var table = TextTable("HYPERVISOR", "VTEP", "LEAF", "UNDERLAY", "NICS")
                for hypervisor in stored.hypervisors {
                    table.add(hypervisor.name, hypervisor.vtepIp.description, hypervisor.leaf, hypervisor.underlayNic ?? "-",
                              hypervisor.nics.isEmpty ? "-" : hypervisor.nics.map(\.name).joined(separator: ","))
                }
                print(table.rendered)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the facility as the controller holds it (JSON).")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingFailures(controller: global.controller) {
                try global.printJSON(try global.client().facility())
            }
        }
    }
}
