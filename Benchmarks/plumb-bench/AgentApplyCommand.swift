import ArgumentParser
import Foundation
import Logging
import PlumbAgentKit
import PlumbModel

/// `plumb-bench agent-apply`: the agent's planner and reconciler (in-process, on a thread inside a fresh network
/// namespace) building virtio NICs from nothing, side by side in the same run with `ip -batch`, one `ip`/`bridge`
/// process per operation, pyroute2 on one socket and the `plumb-agent apply` binary; then a no-op reconcile and the
/// teardown of everything. Each contender gets its own fresh namespace; every contender's result is compared with
/// the agent's (the same kernel state), and each teardown must leave nothing in Plumb's link group.
struct AgentApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-apply",
        abstract: "Agent apply speed vs ip -batch, process-per-operation and pyroute2; no-op reconcile; teardown.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "Virtio NICs (taps) to create.")
    var nics = 1000

    @Option(help: "VXLAN networks the taps are spread over.")
    var networks = 10

    @Option(help: "Remote VTEPs (flood entries) per network.")
    var flood = 4

    @Option(help: "No-op reconciles per run.")
    var noOpRepetitions = 5

    @Flag(inversion: .prefixedNo, help: "Measure pyroute2 too (installs it with pip into ~/.cache/plumb-bench on first use).")
    var pyroute2 = true

    private var runs: Int { options.runs(default: 3) }

    func validate() throws {
        guard nics >= 1, networks >= 1, networks <= nics else { throw ValidationError("need 1 <= --networks <= --nics") }
        guard (0...200).contains(flood) else { throw ValidationError("--flood must lie within 0...200") }
        guard noOpRepetitions >= 1 else { throw ValidationError("--no-op-repetitions must be at least 1") }
    }

    func run() throws {
        guard geteuid() == 0 else { throw ValidationError("agent-apply needs root (network namespaces and devices)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-bench-agent-\(getpid())")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sys"), withIntermediateDirectories: true)
        let cleanup = ExitCleanup.shared.register { try? FileManager.default.removeItem(at: directory) }
        defer { ExitCleanup.shared.run(cleanup) }

        let scenario = AgentApplyScenario(
            nics: nics, networks: networks, flood: flood,
            configuration: AgentConfiguration(sysfsRoot: directory.appendingPathComponent("sys").path,
                                              stateDirectory: directory.appendingPathComponent("state").path,
                                              tapOwner: AgentApplyScenario.tapOwner, tapGroup: AgentApplyScenario.tapGroup))
        var measurements = AgentApplyMeasurements(scenario: scenario, directory: directory, noOpRepetitions: noOpRepetitions,
                                                  withPyroute2: pyroute2, logger: BenchmarkLogging.logger("plumb-bench.agent"))
        try measurements.prepare()
        for run in 0..<runs {
            try measurements.measure(run: run)
        }
        let report = measurements.report(runs: runs)
        try report.print(json: options.json)
        if !report.allChecksPassed { throw ExitCode(1) }
    }
}
