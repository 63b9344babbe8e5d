import ArgumentParser
import PlumbModel

/// `plumbctl facility apply FILE | patch FILE | show`.
struct FacilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facility",
        abstract: "Declare or show the facility: leaves, hypervisors, NICs, VNI ranges.",
        subcommands: [Apply.self, Patch.self, Show.self]
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
                FacilityCommand.printSummary(stored, verb: "applied", hypervisors: stored.hypervisors)
            }
        }
    }

    struct Patch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change some declared hypervisors from a JSON file (PATCH /v1/facility: {\"hypervisors\": [{\"name\": ..., "
                + "members to change}]}), without sending the rest of the facility; '-' reads standard input.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patch document.") var file: String

        func run() throws {
            try reportingFailures(controller: global.controller) {
                let patch = try InputFile.decode(FacilityPatch.self, path: file, kind: "facility patch")
                let stored = try global.client().patchFacility(patch)
                if global.json { return try global.printJSON(stored) }
                let changed = Set(patch.hypervisors.map(\.name))
                FacilityCommand.printSummary(stored, verb: "patched", hypervisors: stored.hypervisors.filter { changed.contains($0.name) })
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

extension FacilityCommand {
    /// One line for the facility as stored and a table of `hypervisors`.
    static func printSummary(_ stored: Facility, verb: String, hypervisors: [Facility.Hypervisor]) {
        let ranges = stored.vniRanges.map { "\($0.first)-\($0.last)" }.joined(separator: ", ")
        print("facility \(verb): \(stored.hypervisors.count) hypervisors, \(stored.leaves.count) leaves, VNIs \(ranges)")
        var table = TextTable("HYPERVISOR", "VTEP", "LEAF", "UNDERLAY", "MTU", "NICS")
        for hypervisor in hypervisors {
            table.add(hypervisor.name, hypervisor.vtepIp.description, hypervisor.leaf, hypervisor.underlayNic ?? "-",
                      "\(hypervisor.underlayMtu)", hypervisor.nics.isEmpty ? "-" : hypervisor.nics.map(\.name).joined(separator: ","))
        }
        print(table.rendered)
    }
}
