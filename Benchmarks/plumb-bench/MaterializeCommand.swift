import ArgumentParser
import Foundation
import Logging
import PlumbController
import PlumbModel
import PlumbPostgres

/// `plumb-bench materialize`: allocation cost against a private PostgreSQL cluster.
///
/// Per run: the measured experiment (2,000 NICs at the default size) materialized on a facility that already
/// holds the background experiments (time to the committed answer, database round trips), deleted again; the
/// same cluster's empty committed transaction (the floor); then concurrent clients materializing and deleting
/// small experiments (allocations per second). At the end the allocation history is replayed in SQL: no
/// identifier may have been handed out again before it was freed.
struct MaterializeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize",
        abstract: "Materialization cost: time, round trips, floor, concurrent allocations per second, duplicate check.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "Hypervisors in the facility (one leaf per 10); the measured experiment has 20 NICs per hypervisor.")
    var hypervisors = 100

    @Option(help: "Concurrent clients materializing and deleting.")
    var clients = 16

    @Option(help: "Experiments each concurrent client materializes and deletes per run.")
    var experimentsPerClient = 25

    @Option(help: "Where the concurrent clients materialize: disjoint (hypervisors of their own) or random.")
    var placement = MaterializeScenario.Placement.disjoint

    @Option(help: "Controllers (stores with pools of their own) the concurrent clients are spread over, on the one PostgreSQL.")
    var controllers = 1

    private var runs: Int { options.runs(default: 5) }

    func validate() throws {
        guard hypervisors >= 1 else { throw ValidationError("--hypervisors must be at least 1") }
        guard clients >= 1, experimentsPerClient >= 1 else { throw ValidationError("--clients and --experiments-per-client must be at least 1") }
        guard (1...clients).contains(controllers) else { throw ValidationError("--controllers must be between 1 and --clients") }
    }

    func run() async throws {
        let logger = BenchmarkLogging.logger("plumb-bench.materialize")
        let scenario = MaterializeScenario(hypervisors: hypervisors)
        let database = try await BenchmarkPostgres.start(connections: clients + 2, logger: logger)
        let report: BenchmarkReport
        do {
            report = try await measure(scenario, database)
            await database.stop()
        } catch {
            await database.stop()
            throw error
        }
        try report.print(json: options.json)
        if !report.allChecksPassed { throw ExitCode(1) }
    }

    private func measure(_ scenario: MaterializeScenario, _ database: BenchmarkPostgres) async throws -> BenchmarkReport {
        let store = database.store
        let spec = scenario.measured
        let mix = Dictionary(grouping: spec.vms.flatMap(\.nics), by: \.mechanism).mapValues(\.count)
        var report = BenchmarkReport(
            benchmark: "materialize",
            title: "\(spec.vms.count) VMs / \(scenario.nics) NICs (\(mix[.virtio] ?? 0) virtio, \(mix[.vfio] ?? 0) vfio, "
                + "\(mix[.passthrough] ?? 0) passthrough) over \(scenario.hypervisors) hypervisors / \(scenario.leaves) leaves, "
                + "\(scenario.background.count) background experiments (\(scenario.background.count * 20 * 5) NICs); "
                + "\(clients) concurrent clients (\(placement.rawValue) hypervisors, \(controllers) controller\(controllers == 1 ? "" : "s")) "
                + "× \(experimentsPerClient) experiments of 4 NICs; PostgreSQL 15, default settings",
            runs: runs)

        try await store.putFacility(scenario.facility)
        for (index, background) in scenario.background.enumerated() {
            _ = try await store.materialize(id: "background-\(index)", spec: background)
        }
        try await reportAllApplied(store)
        // Warm-up: plans cached, connections open.
        _ = try await store.materialize(id: "warm-up", spec: spec)
        try await store.dematerialize(id: "warm-up")
        try await reportAllApplied(store)

        var materializeTime = Samples(), materializeTrips = Samples(), deleteTime = Samples(), deleteTrips = Samples()
        var floor = Samples(), roundTrip = Samples()
        var rate = Samples(), materializationsPerSecond = Samples(), concurrentP50 = Samples(), concurrentP99 = Samples()
        var refused = Samples(), refusalReasons: [String: Int] = [:]
        var heldTwice = 0, wrongAnswers: [String] = [], unexpected: [String] = []
        for run in 0..<runs {
            let id = "measured-\(run)"
            let before = database.pool.roundTrips
            let (milliseconds, answer) = try await Stopwatch.milliseconds { try await store.materialize(id: id, spec: spec) }
            materializeTrips.append(Double(database.pool.roundTrips - before))
            materializeTime.append(milliseconds)
            let nics = answer.materialization.vms.flatMap(\.nics)
            if nics.count != scenario.nics || !answer.created { wrongAnswers.append("\(id): \(nics.count) NICs, created \(answer.created)") }
            heldTwice += try await database.integer("""
                SELECT count(*) AS value FROM (SELECT kind, scope, value FROM plumb.current_allocations
                                               GROUP BY kind, scope, value HAVING count(*) > 1) d
                """)

            let deleteBefore = database.pool.roundTrips
            let (deleteMilliseconds, _) = try await Stopwatch.milliseconds { try await store.dematerialize(id: id) }
            deleteTrips.append(Double(database.pool.roundTrips - deleteBefore))
            deleteTime.append(deleteMilliseconds)
            try await reportAllApplied(store)

            floor.append(try await emptyTransactionMilliseconds(database.pool, repetitions: 200))
            roundTrip.append(try await selectOneMilliseconds(database.pool, repetitions: 200))

            let concurrent = try await concurrentPhase(scenario, database, run: run)
            rate.append(concurrent.allocationsPerSecond)
            materializationsPerSecond.append(concurrent.materializationsPerSecond)
            concurrentP50.append(concurrent.latencies.quantile(0.5) ?? 0)
            concurrentP99.append(concurrent.latencies.quantile(0.99) ?? 0)
            refused.append(Double(concurrent.refused))
            for reason in concurrent.refusalReasons { refusalReasons[reason, default: 0] += 1 }
            unexpected += concurrent.unexpected
            try await reportAllApplied(store)
        }

        report.add("materialize \(scenario.nics) NICs: time to committed answer", .milliseconds, materializeTime,
                   target: .atMost(200, .milliseconds))
        report.add("materialize: database round trips", .count, materializeTrips, target: .atMost(5, .count))
        report.add("delete \(scenario.nics) NICs: time to committed answer", .milliseconds, deleteTime)
        report.add("delete: database round trips", .count, deleteTrips, target: .atMost(5, .count))
        report.add("floor: empty committed transaction (BEGIN; COMMIT)", .milliseconds, floor)
        report.add("floor: one round trip (SELECT 1)", .milliseconds, roundTrip)
        report.add("\(clients) clients: identifiers allocated per second", .perSecond, rate)
        report.add("\(clients) clients: materializations per second", .perSecond, materializationsPerSecond)
        report.add("\(clients) clients: materialize latency p50", .milliseconds, concurrentP50)
        report.add("\(clients) clients: materialize latency p99", .milliseconds, concurrentP99)
        report.add("\(clients) clients: refused (pool empty while identifiers sit in quarantine)", .count, refused)

        if !refusalReasons.isEmpty {
            report.notes.append("refusals of the concurrent clients, all runs: "
                                + refusalReasons.sorted { $0.value > $1.value }.map { "\($0.value)× \($0.key)" }.joined(separator: "; "))
        }
        report.check("answers complete", wrongAnswers.isEmpty,
                     wrongAnswers.isEmpty ? "every measured materialization answered \(scenario.nics) NICs" : wrongAnswers.joined(separator: "; "))
        report.check("no identifier held twice at once", heldTwice == 0,
                     "\(heldTwice) duplicate (kind, scope, value) in plumb.current_allocations with every experiment in place")
        let history = try await historyViolations(database)
        report.check("no identifier handed out twice", history.violations == 0,
                     "\(history.violations) violations in \(history.events) allocation-history events replayed in SQL")
        report.check("concurrent clients: only clean outcomes", unexpected.isEmpty,
                     unexpected.isEmpty ? "every materialize and delete succeeded or was refused with a 409/422"
                         : unexpected.prefix(5).joined(separator: "; "))
        return report
    }

    /// Reports every host as having applied its current generation (what the agents do), ending quarantines.
    private func reportAllApplied(_ store: ControllerStore) async throws {
        for host in try await store.hosts().hosts where host.appliedGeneration != host.generation {
            try await store.reportStatus(HostKey(kind: host.kind, name: host.name),
                                         report: HostStatusReport(appliedGeneration: host.generation))
        }
    }

    /// Median milliseconds of `BEGIN; COMMIT` (two round trips) through the same pool.
    private func emptyTransactionMilliseconds(_ pool: PostgresPool, repetitions: Int) async throws -> Double {
        var samples = Samples()
        for _ in 0..<repetitions {
            let (milliseconds, _) = try await Stopwatch.milliseconds {
                try await pool.transaction(isolation: .readCommitted) { _ in }
            }
            samples.append(milliseconds)
        }
        return samples.median ?? 0
    }

    /// Median milliseconds of one `SELECT 1` through the same pool.
    private func selectOneMilliseconds(_ pool: PostgresPool, repetitions: Int) async throws -> Double {
        var samples = Samples()
        for _ in 0..<repetitions {
            let (milliseconds, _) = try await Stopwatch.milliseconds {
                try await pool.withConnection { try $0.query("SELECT 1") }
            }
            samples.append(milliseconds)
        }
        return samples.median ?? 0
    }

    private struct ConcurrentOutcome {
        var allocationsPerSecond: Double
        var materializationsPerSecond: Double
        var latencies: Samples
        var refused: Int
        var unexpected: [String]
        var refusalReasons: [String]
    }

    /// `clients` tasks each materializing and deleting `experimentsPerClient` small experiments, while a reporter
    /// plays the agents (reports every host that is behind, ending quarantines). Allocations are counted in the
    /// history table.
    private func concurrentPhase(_ scenario: MaterializeScenario, _ database: BenchmarkPostgres, run: Int) async throws -> ConcurrentOutcome {
        let store = database.store
        let firstEvent = try await database.integer("SELECT coalesce(max(id), 0) AS value FROM plumb.allocation_history")
        let finished = StopFlag()
        let reporter = Task {
            while !finished.isSet {
                try await reportAllApplied(store)
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        // The first controller is the database's own store; the others get pools (connections, threads) of their own.
        let clients = self.clients, perClient = experimentsPerClient, placement = self.placement
        let others = (1..<controllers).map { _ in database.extraStore(connections: clients / controllers + 2) }
        let stores = [store] + others.map(\.store)
        let start = Stopwatch.now()
        let results = try await withThrowingTaskGroup(of: (Samples, Int, [String], [String]).self) { group in
            for client in 0..<clients {
                let store = stores[client % stores.count]
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    var latencies = Samples(), refused = 0, unexpected: [String] = [], reasons: [String] = []
                    for index in 0..<perClient {
                        let id = "run\(run)-client\(client)-\(index)"
                        do {
                            let (milliseconds, _) = try await Stopwatch.milliseconds {
                                try await store.materialize(id: id, spec: scenario.concurrentExperiment(
                                    client: client, of: clients, placement: placement, &random))
                            }
                            latencies.append(milliseconds)
                            try await store.dematerialize(id: id)
                        } catch let error as APIError where [409, 422].contains(error.status) {
                            // A pool ran dry (released identifiers wait in quarantine until the hosts report): a clean refusal.
                            refused += 1
                            reasons.append(error.message.prefix { $0 != ":" }
                                .replacingOccurrences(of: "hv[0-9]+", with: "hvN", options: .regularExpression))
                        } catch {
                            unexpected.append("\(id): \(error)")
                        }
                    }
                    return (latencies, refused, unexpected, reasons)
                }
            }
            return try await group.reduce(into: [(Samples, Int, [String], [String])]()) { $0.append($1) }
        }
        let seconds = Stopwatch.now() - start
        finished.set()
        try await reporter.value
        for other in others { await other.pool.shutdown() }
        let allocated = try await database.integer(
            "SELECT count(*) AS value FROM plumb.allocation_history WHERE id > $1 AND event = 'allocated'", [firstEvent])
        let latencies = Samples(results.flatMap { $0.0.values })
        return ConcurrentOutcome(allocationsPerSecond: Double(allocated) / seconds,
                                 materializationsPerSecond: Double(latencies.values.count) / seconds,
                                 latencies: latencies, refused: results.reduce(0) { $0 + $1.1 }, unexpected: results.flatMap(\.2),
                                 refusalReasons: results.flatMap(\.3))
    }

    /// Replays the whole allocation history in SQL: per (kind, scope, value), an allocation must come first or
    /// after the value was freed, a release must follow its own allocation, a free its own release.
    private func historyViolations(_ database: BenchmarkPostgres) async throws -> (violations: Int, events: Int) {
        try await database.pool.withConnection { connection in
            let row = try connection.query("""
                SELECT count(*) FILTER (WHERE NOT (
                           (event = 'allocated' AND (previous_event IS NULL OR previous_event = 'freed'))
                        OR (event = 'released' AND previous_event = 'allocated' AND previous_mid = mid)
                        OR (event = 'freed' AND previous_event = 'released' AND previous_mid = mid))) AS violations,
                       count(*) AS events
                FROM (SELECT event, mid,
                             lag(event) OVER w AS previous_event, lag(mid) OVER w AS previous_mid
                      FROM plumb.allocation_history
                      WINDOW w AS (PARTITION BY kind, scope, value ORDER BY id)) h
                """).rows[0]
            return (try row.int("violations"), try row.int("events"))
        }
    }
}

/// A flag one task sets and another polls.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
