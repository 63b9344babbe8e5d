import Foundation

/// What one benchmark run found: measured rows with their targets, correctness checks and notes.
/// Printed as a table or, with `--json`, as one JSON document.
struct BenchmarkReport: Codable {
    /// The subcommand.
    var benchmark: String
    /// One line saying what was measured, at which size.
    var title: String
    var runs: Int
    var rows: [ResultRow] = []
    var checks: [Check] = []
    var notes: [String] = []

    init(benchmark: String, title: String, runs: Int) {
        self.benchmark = benchmark
        self.title = title
        self.runs = runs
    }

    /// A correctness check (never a time): the benchmark exits non-zero when one fails.
    struct Check: Codable {
        var name: String
        var passed: Bool
        var detail: String
    }

    mutating func add(_ name: String, _ unit: Unit, _ samples: Samples, target: Target? = nil, note: String? = nil) {
        rows.append(ResultRow(name: name, unit: unit, samples: samples, target: target, note: note))
    }

    /// A row with no values, only why (for example a baseline that could not run).
    mutating func unavailable(_ name: String, _ unit: Unit, because reason: String) {
        rows.append(ResultRow(name: name, unit: unit, samples: Samples(), target: nil, note: "unavailable: \(reason)"))
    }

    mutating func check(_ name: String, _ passed: Bool, _ detail: String) {
        checks.append(Check(name: name, passed: passed, detail: detail))
    }

    var allChecksPassed: Bool { checks.allSatisfy(\.passed) }

    /// The table (or JSON) on standard output.
    func print(json: Bool) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: try encoder.encode(self), as: UTF8.self))
        } else {
            Swift.print(table())
        }
    }

    /// The human-readable table.
    func table() -> String {
        let header = ["measurement", "median", "min–max", "target", ""]
        let lines = rows.map { row -> [String] in
            guard let median = row.samples.median, let low = row.samples.minimum, let high = row.samples.maximum else {
                return [row.name, "–", "", row.target?.description ?? "", row.note ?? ""]
            }
            let verdict = row.met.map { $0 ? "met" : "MISSED" } ?? ""
            return [row.name, row.unit.format(median), "\(row.unit.format(low))–\(row.unit.format(high))",
                    row.target?.description ?? "", [verdict, row.note ?? ""].filter { !$0.isEmpty }.joined(separator: "  ")]
        }
        let widths = (0..<header.count).map { column in ([header] + lines).map { $0[column].count }.max() ?? 0 }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var output = ["plumb-bench \(benchmark): \(title); \(runs) run\(runs == 1 ? "" : "s")", render(header)]
        output += lines.map(render)
        for check in checks {
            output.append("check: \(check.name): \(check.passed ? "passed" : "FAILED") (\(check.detail))")
        }
        output += notes.map { "note: \($0)" }
        return output.joined(separator: "\n")
    }
}

/// One measured quantity over the runs.
struct ResultRow: Codable {
    var name: String
    var unit: Unit
    var samples: Samples
    var target: Target?
    /// Why there is no value, or what to know about it.
    var note: String?

    /// Whether the median meets the target (nil without a target or without values).
    var met: Bool? {
        guard let target, let median = samples.median else { return nil }
        return target.isMet(by: median)
    }

    enum CodingKeys: String, CodingKey { case name, unit, median, min, max, values, target, met, note }

    init(name: String, unit: Unit, samples: Samples, target: Target?, note: String?) {
        self.name = name
        self.unit = unit
        self.samples = samples
        self.target = target
        self.note = note
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        unit = try container.decode(Unit.self, forKey: .unit)
        samples = Samples(try container.decode([Double].self, forKey: .values))
        target = try container.decodeIfPresent(Target.self, forKey: .target)
        note = try container.decodeIfPresent(String.self, forKey: .note)
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(unit, forKey: .unit)
        try container.encode(samples.median, forKey: .median)
        try container.encode(samples.minimum, forKey: .min)
        try container.encode(samples.maximum, forKey: .max)
        try container.encode(samples.values, forKey: .values)
        try container.encodeIfPresent(target, forKey: .target)
        try container.encode(met, forKey: .met)
        try container.encodeIfPresent(note, forKey: .note)
    }
}

/// What a row's numbers count.
enum Unit: String, Codable {
    case milliseconds = "ms"
    case count
    case ratio = "x"
    case perSecond = "/s"
    case megabytes = "MB"

    func format(_ value: Double) -> String {
        switch self {
        case .milliseconds:
            let digits = value < 10 ? 2 : value < 100 ? 1 : 0
            return String(format: "%.\(digits)f ms", value)
        case .count: return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
        case .ratio: return String(format: "%.2f×", value)
        case .perSecond: return String(format: "%.0f/s", value)
        case .megabytes: return String(format: "%.1f MB", value)
        }
    }
}

/// A target for a row's median: at most or at least a value.
struct Target: Codable, CustomStringConvertible {
    enum Comparison: String, Codable { case atMost = "<=", below = "<", atLeast = ">=" }
    var comparison: Comparison
    var value: Double
    var unit: Unit

    static func atMost(_ value: Double, _ unit: Unit) -> Target { Target(comparison: .atMost, value: value, unit: unit) }
    static func below(_ value: Double, _ unit: Unit) -> Target { Target(comparison: .below, value: value, unit: unit) }
    static func atLeast(_ value: Double, _ unit: Unit) -> Target { Target(comparison: .atLeast, value: value, unit: unit) }

    func isMet(by value: Double) -> Bool {
        switch comparison {
        case .atMost: return value <= self.value
        case .below: return value < self.value
        case .atLeast: return value >= self.value
        }
    }

    var description: String {
        let symbol = comparison == .atMost ? "≤" : comparison == .below ? "<" : "≥"
        return "\(symbol) \(unit.format(value))"
    }
}
