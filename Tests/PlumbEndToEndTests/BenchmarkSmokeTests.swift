import Foundation
import PlumbTestSupport
import XCTest

/// Each `plumb-bench` subcommand run at a tiny size, so the benchmarks keep working: the JSON report parses, every
/// row that ran has values, and every correctness check (duplicate identifiers, same plumbing as iproute2, nothing
/// left behind, every poll answered) passed. Never a time: speed is what the benchmarks report, not what tests assert.
final class BenchmarkSmokeTests: XCTestCase {
    private struct Report: Decodable {
        struct Row: Decodable {
            var name: String
            var values: [Double]
            var note: String?
        }
        struct Check: Decodable {
            var name: String
            var passed: Bool
            var detail: String
        }
        var benchmark: String
        var rows: [Row]
        var checks: [Check]
    }

    /// Runs `plumb-bench ARGS --runs 1 --json`, bounded by `timeout`; asserts it exited 0 and answers its report.
    private func bench(_ arguments: [String], limit: Int = 90, file: StaticString = #filePath, line: UInt = #line) throws -> Report {
        let output = try NetworkNamespace.Command.execute(
            "timeout", ["-s", "INT", "-k", "10", "\(limit)", ProductPath.executable("plumb-bench")] + arguments + ["--runs", "1", "--json"])
        XCTAssertEqual(output.status, 0, output.standardError, file: file, line: line)
        let report = try JSONDecoder().decode(Report.self, from: Data(output.standardOutput.utf8))
        XCTAssertEqual(report.benchmark, arguments[0], file: file, line: line)
        for row in report.rows where row.note?.hasPrefix("unavailable") != true {
            XCTAssertFalse(row.values.isEmpty, "\(row.name) has no value", file: file, line: line)
        }
        XCTAssertFalse(report.checks.isEmpty, file: file, line: line)
        for check in report.checks { XCTAssertTrue(check.passed, "\(check.name): \(check.detail)", file: file, line: line) }
        return report
    }

    func testMaterializeReportsAndFindsNoIdentifierHandedOutTwice() throws {
        let report = try bench(["materialize", "--hypervisors", "2", "--clients", "2", "--experiments-per-client", "2"])
        XCTAssertTrue(report.checks.contains { $0.name == "no identifier handed out twice" && $0.passed })
        XCTAssertTrue(report.rows.contains { $0.name == "materialize: database round trips" })
    }

    func testAgentApplyBuildsWhatIproute2BuildsAndLeavesNothing() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
        let report = try bench(["agent-apply", "--nics", "4", "--networks", "2", "--flood", "1", "--no-op-repetitions", "1",
                                "--no-pyroute2"])
        let checks = Set(report.checks.map(\.name))
        XCTAssertTrue(checks.isSuperset(of: ["ip -batch built the same plumbing as the agent", "agent cleanup left nothing behind",
                                             "no-op reconcile changes nothing"]), "\(checks)")
    }

    func testPropagationAnswersEveryPollWithANewerGeneration() throws {
        for change in ["patch", "put"] {
            let report = try bench(["propagation", "--hosts", "3", "--wait", "10", "--change", change])
            XCTAssertTrue(report.checks.contains { $0.name == "every poll answered with a newer generation" && $0.passed }, change)
        }
    }
}
