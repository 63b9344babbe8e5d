import Foundation
import Logging
import PlumbAgentKit
import PlumbModel

/// The contenders of the agent-apply benchmark and what each run measured of them.
struct AgentApplyMeasurements {
    let scenario: AgentApplyScenario
    let directory: URL
    let noOpRepetitions: Int
    let withPyroute2: Bool
    let logger: Logger

    private var pyroute2: Result<Pyroute2Baseline, Error>?
    private var agentExecutable: String?
    private var samples: [Key: Samples] = [:]
    private var checks: [String: [String]] = [:]
    private var checked = Set<String>()

    /// Rows of the report, in print order.
    private enum Key: Hashable {
        case agent, agentProcess, ipBatch, processPerOperation, pyroute2
        case agentVsBatch, processVsAgent, agentVsPyroute2
        case noOp, noOpRead, noOpPlan, noOpProcess
        case agentTeardown, batchTeardown, processTeardown, pyroute2Teardown, groupTeardown, agentVsBatchTeardown
    }

    init(scenario: AgentApplyScenario, directory: URL, noOpRepetitions: Int, withPyroute2: Bool, logger: Logger) {
        self.scenario = scenario
        self.directory = directory
        self.noOpRepetitions = noOpRepetitions
        self.withPyroute2 = withPyroute2
        self.logger = logger
    }

    /// Finds `plumb-agent` next to this executable and sets up pyroute2 (once).
    mutating func prepare() throws {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let candidate = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("plumb-agent").path
        agentExecutable = FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
        if withPyroute2 {
            pyroute2 = Result { try Pyroute2Baseline.prepare(scenario: scenario, directory: directory) }
        } else {
            pyroute2 = .failure(Pyroute2Baseline.Unavailable("not asked for (--no-pyroute2)"))
        }
        try PlumbJSON.encode(scenario.desired).write(to: documentURL)
        let steps = scenario.applySteps
        try write(steps.filter { $0.tool == .ip }, to: "apply.ip")
        try write(steps.filter { $0.tool == .bridge }, to: "apply.bridge")
        try write(scenario.teardownSteps, to: "teardown.ip")
    }

    private var documentURL: URL { directory.appendingPathComponent("desired.json") }

    private func write(_ steps: [IPStep], to name: String) throws {
        try (steps.map(\.batchLine).joined(separator: "\n") + "\n")
            .write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    private mutating func record(_ key: Key, _ value: Double) { samples[key, default: Samples()].append(value) }

    /// Notes a failed check (`problem` non-nil) or a passed one.
    private mutating func check(_ name: String, _ problem: String?) {
        checked.insert(name)
        if let problem { checks[name, default: []].append(problem) }
    }

    /// One run: every contender in its own fresh namespace.
    mutating func measure(run: Int) throws {
        let reference = try measureAgent()
        try measureAgentProcess()
        try measureIPBatch(reference: reference)
        try measureGroupDeletion()
        try measureProcessPerOperation(reference: reference)
        try measurePyroute2(reference: reference)
        let current = samples
        let last = { (key: Key) in current[key]?.values.last }
        if let agent = last(.agent), let batch = last(.ipBatch) { record(.agentVsBatch, agent / batch) }
        if let agent = last(.agent), let processes = last(.processPerOperation) { record(.processVsAgent, processes / agent) }
        if let agent = last(.agent), let pyroute2 = last(.pyroute2) { record(.agentVsPyroute2, agent / pyroute2) }
        if let agent = last(.agentTeardown), let batch = last(.batchTeardown) { record(.agentVsBatchTeardown, agent / batch) }
        _ = run
    }

    /// The agent in-process: apply from nothing, no-op reconciles, cleanup. Returns the plumbing it built.
    private mutating func measureAgent() throws -> [String] {
        let namespace = try BenchmarkNamespace()
        defer { namespace.delete() }
        let configuration = scenario.configuration, desired = scenario.desired, logger = logger
        let repetitions = noOpRepetitions
        let outcome = try namespace.run { () -> AgentOutcome in
            let (apply, report) = try Stopwatch.milliseconds {
                try Reconciler(configuration: configuration, logger: logger).apply(desired)
            }
            var outcome = AgentOutcome(apply: apply, operations: report.operations.count, errors: report.errors.map { "\($0.item): \($0.message)" })
            for _ in 0..<repetitions {
                let (total, again) = try Stopwatch.milliseconds {
                    try Reconciler(configuration: configuration, logger: logger).apply(desired)
                }
                outcome.noOp.append(total)
                outcome.noOpOperations += again.operations.count
                let reconciler = try Reconciler(configuration: configuration, logger: logger)
                let (read, observed) = try Stopwatch.milliseconds { try reconciler.observe(desired) }
                let (plan, _) = Stopwatch.milliseconds { Planner.plan(desired: desired, observed: observed, configuration: configuration) }
                outcome.noOpRead.append(read)
                outcome.noOpPlan.append(plan)
            }
            return outcome
        }
        record(.agent, outcome.apply)
        check("agent applied every item without errors", outcome.errors.isEmpty ? nil : outcome.errors.prefix(3).joined(separator: "; "))
        outcome.noOp.values.forEach { record(.noOp, $0) }
        outcome.noOpRead.values.forEach { record(.noOpRead, $0) }
        outcome.noOpPlan.values.forEach { record(.noOpPlan, $0) }
        check("no-op reconcile changes nothing", outcome.noOpOperations == 0 ? nil : "\(outcome.noOpOperations) operations in no-op reconciles")
        let plumbing = try namespace.plumbing()
        check("agent built every device", plumbing.filter { !$0.hasPrefix("fdb") }.count == scenario.nics + 2 * scenario.networks
              ? nil : "\(plumbing.count) lines of plumbing")

        let (teardown, cleaned) = try namespace.run {
            try Stopwatch.milliseconds { try Reconciler(configuration: configuration, logger: logger).cleanup() }
        }
        record(.agentTeardown, teardown)
        check("agent cleanup without errors", cleaned.errors.isEmpty ? nil : "\(cleaned.errors.count) errors")
        try checkEmpty(namespace, "agent cleanup")
        return plumbing
    }

    private struct AgentOutcome {
        var apply: Double
        var operations: Int
        var errors: [String]
        var noOp = Samples(), noOpRead = Samples(), noOpPlan = Samples()
        var noOpOperations = 0
    }

    /// `plumb-agent apply FILE` run inside the namespace (process start-up, JSON decoding and its default info logging
    /// included), then once more as a no-op.
    private mutating func measureAgentProcess() throws {
        guard let agentExecutable else { return }
        let namespace = try BenchmarkNamespace()
        defer { namespace.delete() }
        let arguments = ["netns", "exec", namespace.name, agentExecutable, "apply", documentURL.path,
                         "--sysfs-root", scenario.configuration.sysfsRoot, "--state-directory", scenario.configuration.stateDirectory,
                         "--tap-owner", "\(AgentApplyScenario.tapOwner)", "--tap-group", "\(AgentApplyScenario.tapGroup)"]
        let (apply, _) = try Stopwatch.milliseconds { try ProcessRunner.run(ProcessRunner.ip, arguments) }
        record(.agentProcess, apply)
        let (noOp, _) = try Stopwatch.milliseconds { try ProcessRunner.run(ProcessRunner.ip, arguments) }
        record(.noOpProcess, noOp)
        try deleteGroup(namespace)
    }

    /// `ip -batch` then `bridge -batch` from nothing; `ip -batch` with one `link del` per device.
    private mutating func measureIPBatch(reference: [String]) throws {
        let namespace = try BenchmarkNamespace()
        defer { namespace.delete() }
        let (apply, _) = try Stopwatch.milliseconds { try batchApply(namespace) }
        record(.ipBatch, apply)
        try compare(namespace, reference, "ip -batch")
        let (teardown, _) = try Stopwatch.milliseconds {
            try ProcessRunner.run(ProcessRunner.ip, ["-n", namespace.name, "-batch", directory.appendingPathComponent("teardown.ip").path])
        }
        record(.batchTeardown, teardown)
        try checkEmpty(namespace, "ip -batch teardown")
    }

    private func batchApply(_ namespace: BenchmarkNamespace) throws {
        try ProcessRunner.run(ProcessRunner.ip, ["-n", namespace.name, "-batch", directory.appendingPathComponent("apply.ip").path])
        try ProcessRunner.run(ProcessRunner.bridge, ["-n", namespace.name, "-batch", directory.appendingPathComponent("apply.bridge").path])
    }

    /// The kernel's batch deletion: one `ip link del group G` request for every device (built untimed with `ip -batch`).
    private mutating func measureGroupDeletion() throws {
        let namespace = try BenchmarkNamespace()
        defer { namespace.delete() }
        try batchApply(namespace)
        let (teardown, _) = try Stopwatch.milliseconds { try deleteGroup(namespace) }
        record(.groupTeardown, teardown)
        try checkEmpty(namespace, "ip link del group")
    }

    private func deleteGroup(_ namespace: BenchmarkNamespace) throws {
        try ProcessRunner.run(ProcessRunner.ip, ["-n", namespace.name, "link", "del", "group", "\(scenario.group)"])
    }

    /// One `ip`/`bridge` process per operation, for building and for tearing down.
    private mutating func measureProcessPerOperation(reference: [String]) throws {
        let namespace = try BenchmarkNamespace()
        defer { namespace.delete() }
        let (apply, _) = try Stopwatch.milliseconds {
            for step in scenario.applySteps { try ProcessRunner.run(step, namespace: namespace.name) }
        }
        record(.processPerOperation, apply)
        try compare(namespace, reference, "process per operation")
        let (teardown, _) = try Stopwatch.milliseconds {
            for step in scenario.teardownSteps { try ProcessRunner.run(step, namespace: namespace.name) }
        }
        record(.processTeardown, teardown)
        try checkEmpty(namespace, "process-per-operation teardown")
    }

    /// pyroute2 on one socket, for building and for tearing down; skipped (and said so) when it cannot be installed.
    private mutating func measurePyroute2(reference: [String]) throws {
        guard case .success(let baseline) = pyroute2 else { return }
        let namespace = try BenchmarkNamespace()
        defer { namespace.delete() }
        record(.pyroute2, try baseline.run("apply", namespace: namespace.name, directory: directory))
        try compare(namespace, reference, "pyroute2")
        record(.pyroute2Teardown, try baseline.run("teardown", namespace: namespace.name, directory: directory))
        try checkEmpty(namespace, "pyroute2 teardown")
    }

    private mutating func compare(_ namespace: BenchmarkNamespace, _ reference: [String], _ contender: String) throws {
        let plumbing = try namespace.plumbing()
        let missing = Set(reference).subtracting(plumbing), extra = Set(plumbing).subtracting(reference)
        check("\(contender) built the same plumbing as the agent", missing.isEmpty && extra.isEmpty ? nil
              : "agent only: \(missing.sorted().prefix(2)); \(contender) only: \(extra.sorted().prefix(2))")
    }

    private mutating func checkEmpty(_ namespace: BenchmarkNamespace, _ contender: String) throws {
        let left = try namespace.devices(inGroup: scenario.group)
        check("\(contender) left nothing behind", left == 0 ? nil : "\(left) devices left in group \(scenario.group)")
        if left > 0 { try deleteGroup(namespace) }
    }

    /// The table.
    func report(runs: Int) -> BenchmarkReport {
        let n = scenario.nics, steps = scenario.applySteps.count
        var report = BenchmarkReport(
            benchmark: "agent-apply",
            title: "\(n) virtio NICs over \(scenario.networks) VXLAN networks × \(scenario.flood) flood VTEPs, fresh namespace each; "
                + "\(steps) iproute2 operations; no-op × \(noOpRepetitions) per run",
            runs: runs)
        func row(_ key: Key, _ name: String, _ unit: Unit, target: Target? = nil) {
            report.add(name, unit, samples[key] ?? Samples(), target: target)
        }
        row(.agent, "apply \(n) NICs from nothing: agent (planner + reconciler, in-process)", .milliseconds)
        if agentExecutable != nil {
            row(.agentProcess, "  plumb-agent apply FILE (process, default info logging)", .milliseconds)
        } else {
            report.unavailable("  plumb-agent apply FILE (process)", .milliseconds, because: "plumb-agent not found next to plumb-bench")
        }
        row(.ipBatch, "  ip -batch + bridge -batch (2 processes)", .milliseconds)
        row(.processPerOperation, "  one ip/bridge process per operation (\(steps) processes)", .milliseconds)
        switch pyroute2 {
        case .success, nil: row(.pyroute2, "  pyroute2, one socket (Python)", .milliseconds)
        case .failure(let error): report.unavailable("  pyroute2, one socket (Python)", .milliseconds, because: "\(error)")
        }
        row(.agentVsBatch, "ratio agent / ip -batch", .ratio, target: .atMost(1.3, .ratio))
        row(.processVsAgent, "speed-up of agent over process per operation", .ratio, target: .atLeast(10, .ratio))
        if case .success = pyroute2 { row(.agentVsPyroute2, "ratio agent / pyroute2", .ratio) }
        row(.noOp, "no-op reconcile of \(n) NICs (agent, in-process)", .milliseconds, target: .below(50, .milliseconds))
        row(.noOpRead, "  of which: read the kernel (link + FDB dump, parsed)", .milliseconds)
        row(.noOpPlan, "  of which: plan", .milliseconds)
        if agentExecutable != nil { row(.noOpProcess, "  plumb-agent apply FILE as a no-op (process)", .milliseconds) }
        row(.agentTeardown, "teardown of all: agent cleanup", .milliseconds)
        row(.batchTeardown, "  ip -batch, one link del per device", .milliseconds)
        row(.processTeardown, "  one ip process per device", .milliseconds)
        if case .success = pyroute2 { row(.pyroute2Teardown, "  pyroute2, one link del per device", .milliseconds) }
        row(.groupTeardown, "  kernel batch: ip link del group (1 request)", .milliseconds)
        row(.agentVsBatchTeardown, "ratio agent cleanup / ip -batch teardown", .ratio)
        for name in checked.sorted() {
            let problems = checks[name] ?? []
            report.check(name, problems.isEmpty, problems.isEmpty ? "every run" : problems.prefix(2).joined(separator: "; "))
        }
        report.notes.append("taps: \(AgentApplyScenario.tapOwner):\(AgentApplyScenario.tapGroup), vnet_hdr, isolated bridge ports, "
                            + "MTU \(scenario.mtu), link group \(scenario.group), aliases; iproute2 sets the same")
        return report
    }
}
