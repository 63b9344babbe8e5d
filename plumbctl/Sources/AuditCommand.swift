import ArgumentParser
import Foundation
import PlumbModel

/// `plumbctl audit vni N [--at TIME]`.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Ask the allocation history who held an identifier.",
        subcommands: [VNI.self]
    )

    struct VNI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "vni",
            abstract: "Who held VNI N at a moment (--at), or over its whole history (GET /v1/audit/vni/N)."
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The VNI.")
        var vni: Int

        @Option(help: ArgumentHelp("An ISO 8601 time, e.g. 2026-03-03T14:00:00Z or 2026-03-03T15:00:00+01:00.", valueName: "time"),
                transform: VNI.time)
        var at: Date?

        func validate() throws {
            guard Limits.vni.contains(vni) else {
                throw ValidationError("a VNI is between \(Limits.vni.lowerBound) and \(Limits.vni.upperBound), got \(vni)")
            }
        }

        func run() throws {
            try reportingFailures(controller: global.controller) {
                let audit = try global.client().auditVNI(vni, at: at)
                if global.json { return try global.printJSON(audit) }
                let when = at.map { "at \(TimeText.absolute($0))" } ?? "ever"
                guard !audit.holdings.isEmpty else { return print("VNI \(vni): held by nobody \(when)") }
                print("VNI \(vni), holders \(when):")
                var table = TextTable("MATERIALIZATION", "HOLDER", "ALLOCATED", "BY", "RELEASED", "FREED", "STATE")
                for holding in audit.holdings {
                    table.add(holding.materialization, holding.holder, TimeText.absolute(holding.allocatedAt), holding.allocatedBy,
                              TimeText.absolute(holding.releasedAt), TimeText.absolute(holding.freedAt), holding.state.rawValue)
                }
                print(table.rendered)
            }
        }

        @Sendable static func time(_ text: String) throws -> Date {
            for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = options
                if let date = formatter.date(from: text) { return date }
            }
            throw ValidationError("'\(text)' is not an ISO 8601 time with a zone, e.g. 2026-03-03T14:00:00Z")
        }
    }
}
