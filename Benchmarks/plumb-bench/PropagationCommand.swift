import ArgumentParser
import Foundation
import PlumbController
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport

/// `plumb-bench propagation`: a real `plumb-controller` on a private PostgreSQL cluster, a facility of `--hosts`
/// hypervisors, one long poll per hypervisor held by the controller (libcurl multi, one connection each), then one
/// change that touches every hypervisor (a new underlay MTU everywhere: `PATCH /v1/facility` with each hypervisor's
/// name and MTU, or with `--change put` the whole facility through `PUT /v1/facility`): how long until
/// every poll has answered with the new generation, and the controller's resident memory while it holds them all.
/// Beside it the floors (the documents served from the controller's memory; computed in one statement), and a
/// reconnect storm: the controller restarted, a change committed meanwhile, every agent back at once.
struct PropagationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propagation",
        abstract: "Time for one change to reach every waiting agent (p50, p99) and the controller's memory while holding them.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "Hypervisors, each with one waiting long poll.")
    var hosts = 1000

    @Option(help: "Seconds the controller may hold each poll (the change comes long before).")
    var wait = 120

    /// How the change is sent.
    enum Change: String, ExpressibleByArgument, CaseIterable {
        /// `PATCH /v1/facility` with each hypervisor's name and new MTU.
        case patch
        /// `PUT /v1/facility` with the whole facility, MTUs changed.
        case put

        var method: String { rawValue.uppercased() }
    }

    @Option(help: "How the change of every hypervisor's MTU is sent: patch (PATCH /v1/facility, the names and MTUs) or put (PUT /v1/facility, the whole facility).")
    var change: Change = .patch

    private var runs: Int { options.runs(default: 5) }

    func validate() throws {
        guard hosts >= 1 else { throw ValidationError("--hosts must be at least 1") }
        guard (10...300).contains(wait) else { throw ValidationError("--wait must lie within 10...300") }
    }

    /// The controller of the moment (the reconnect storm replaces it), for the exit cleanup.
    private final class Running: @unchecked Sendable {
        private let lock = NSLock()
        private var current: ControllerProcess?
        var controller: ControllerProcess? {
            get { lock.withLock { current } }
            set { lock.withLock { current = newValue } }
        }
    }

    func run() async throws {
        try Self.raiseDescriptorLimit(to: rlim_t(hosts) * 2 + 256)
        let logger = BenchmarkLogging.logger("plumb-bench.propagation")
        // A cluster of its own (not the controller's embedded one), so that the controller can be restarted on it.
        let database = try await BenchmarkPostgres.start(connections: 16, logger: logger)
        let running = Running()
        let cleanup = ExitCleanup.shared.register { running.controller?.stop() }
        let report: BenchmarkReport
        do {
            running.controller = try ControllerProcess(databaseURL: database.url)
            report = try await measure(running, database)
            ExitCleanup.shared.run(cleanup)
            await database.stop()
        } catch {
            ExitCleanup.shared.run(cleanup)
            await database.stop()
            throw error
        }
        try report.print(json: options.json)
        if !report.allChecksPassed { throw ExitCode(1) }
    }

    private func measure(_ running: Running, _ database: BenchmarkPostgres) async throws -> BenchmarkReport {
        guard let controller = running.controller else { throw BenchmarkFailure("no controller") }
        let admin = controller.client(token: controller.adminToken, totalTimeout: .seconds(600))
        var facility = MaterializeScenario(hypervisors: hosts).facility
        let (declare, _) = try Stopwatch.milliseconds { try admin.putFacility(facility) }
        let idle = try Self.residentMegabytes(of: controller.processIdentifier)

        var report = BenchmarkReport(
            benchmark: "propagation",
            title: "\(hosts) hypervisors, one long poll each (libcurl multi, admin token), one \(change.method) /v1/facility changing "
                + "every hypervisor's underlay MTU; plumb-controller on a private PostgreSQL 15 cluster (default settings)",
            runs: runs)
        var first = Samples(), p50 = Samples(), p99 = Samples(), slowest = Samples(), changes = Samples(), holding = Samples()
        var problems: [String] = [], heldProblems: [String] = []
        for run in 0..<runs {
            let before = Dictionary(try admin.hosts().hosts.filter { $0.kind == .hypervisor }.map { ($0.name, $0.generation) }) { a, _ in a }
            let polls = try LongPollSet(baseURL: controller.baseURL, token: controller.adminToken, after: before, waitSeconds: wait)
            polls.start()
            let held = try waitUntilHeld(polls.count, controller: controller, admin: admin)
            if held < polls.count { heldProblems.append("run \(run): the controller held \(held) of \(polls.count) polls") }
            holding.append(try Self.residentMegabytes(of: controller.processIdentifier))

            for index in facility.hypervisors.indices {
                facility.hypervisors[index].underlayMtu = facility.hypervisors[index].underlayMtu == 9000 ? 8950 : 9000
            }
            // The body is written before the clock starts and the answer (the facility as stored, megabytes) is not
            // decoded here: both are the sending client's own work, and a decode on this machine's two cores while the
            // polls are answered would be charged to the fan-out. The clock measures from sending the change.
            let body = try change == .put ? PlumbJSON.encode(facility) : PlumbJSON.encode(FacilityPatch(
                hypervisors: facility.hypervisors.map { FacilityPatch.Hypervisor(name: $0.name, underlayMtu: $0.underlayMtu) }))
            let start = Stopwatch.now()
            let answer = try admin.http.send(method: change.method, url: controller.baseURL + "/v1/facility",
                                             headers: ["Accept": "application/json"], body: body)
            changes.append((Stopwatch.now() - start) * 1000)
            if answer.status != 200 { problems.append("run \(run): the change was answered \(answer.status), not 200") }
            let answers = polls.waitForAll(limit: TimeInterval(wait + 30))

            let latencies = Samples(answers.map { ($0.finishedAt - start) * 1000 })
            first.append(latencies.minimum ?? 0)
            p50.append(latencies.quantile(0.5) ?? 0)
            p99.append(latencies.quantile(0.99) ?? 0)
            slowest.append(latencies.maximum ?? 0)
            let wrong = answers.filter { $0.status != 200 || ($0.generation ?? 0) <= (before[$0.host] ?? .max) }
            if answers.count != polls.count { problems.append("run \(run): \(answers.count) of \(polls.count) polls answered") }
            if let first = wrong.first {
                problems.append("run \(run): \(wrong.count) answers without a newer generation, e.g. \(first.host): "
                                + "status \(first.status) generation \(first.generation.map(String.init) ?? "-") \(first.failure ?? "")")
            }
        }
        // The floors of the fan-out. From memory: the last run left every document in the controller's cache, so the
        // same documents asked for at once with nothing to wait for are served without computing them (checked on
        // /metrics: no document fetched from the database meanwhile). Computed: all of them in one statement.
        let current = Dictionary(uniqueKeysWithValues: facility.hypervisors.map { ($0.name, Int64(0)) })
        let fetchedBefore = try Self.metric("plumb_desired_documents_served_total{from=\"database\"}", controller)
        var fromMemory = Samples()
        for _ in 0..<3 {
            let fetches = try LongPollSet(baseURL: controller.baseURL, token: controller.adminToken, after: current, waitSeconds: 0)
            let fetchStart = Stopwatch.now()
            fetches.start()
            let fetched = fetches.waitForAll(limit: 120)
            fromMemory.append(((fetched.map(\.finishedAt).max() ?? fetchStart) - fetchStart) * 1000)
            if fetched.count != hosts || fetched.contains(where: { $0.status != 200 }) {
                problems.append("fetching every document at once: \(fetched.filter { $0.status == 200 }.count) of \(hosts) answered 200")
            }
        }
        let fetchedDuring = try Self.metric("plumb_desired_documents_served_total{from=\"database\"}", controller) - fetchedBefore
        let names = facility.hypervisors.map(\.name)
        var computed = Samples()
        for _ in 0..<3 {
            let (milliseconds, _) = try await Stopwatch.milliseconds {
                try await database.integer("SELECT count(*)::int AS value FROM plumb.hosts_desired($1::text[])", [names])
            }
            computed.append(milliseconds)
        }

        // The reconnect storm: the controller goes away, a change commits meanwhile (through another replica, say),
        // a new controller starts on the same address, and every agent comes back at the same instant — the worst
        // case; real agents spread their return with jittered backoff.
        let generations = Dictionary(try admin.hosts().hosts.filter { $0.kind == .hypervisor }.map { ($0.name, $0.generation) }) { a, _ in a }
        controller.stop()
        running.controller = nil
        for index in facility.hypervisors.indices {
            facility.hypervisors[index].underlayMtu = facility.hypervisors[index].underlayMtu == 9000 ? 8950 : 9000
        }
        _ = try await database.store.putFacility(facility)
        let (restart, restarted) = try Stopwatch.milliseconds {
            try ControllerProcess(databaseURL: database.url, listen: "127.0.0.1:\(controller.port)")
        }
        running.controller = restarted
        let storm = try LongPollSet(baseURL: restarted.baseURL, token: restarted.adminToken, after: generations, waitSeconds: wait)
        let stormStart = Stopwatch.now()
        storm.start()
        let stormAnswers = storm.waitForAll(limit: TimeInterval(wait + 30))
        let stormLatencies = Samples(stormAnswers.map { ($0.finishedAt - stormStart) * 1000 })
        let stormRSS = try Self.residentMegabytes(of: restarted.processIdentifier)
        let stormWrong = stormAnswers.filter { $0.status != 200 || ($0.generation ?? 0) <= (generations[$0.host] ?? .max) }
        let stormServed = stormAnswers.count == hosts && stormWrong.isEmpty

        // The first answer comes right after the commit: the change's own time, the rest being the fan-out.
        report.add("every poll answered: first after the change was sent (the commit)", .milliseconds, first)
        report.add("every poll answered: p50 after the change was sent", .milliseconds, p50)
        report.add("every poll answered: p99 after the change was sent", .milliseconds, p99,
                   target: .below(hosts <= 1000 ? 400 : 1000, .milliseconds))
        report.add("every poll answered: slowest", .milliseconds, slowest)
        report.add("  the change itself: \(change.method) /v1/facility to committed answer", .milliseconds, changes)
        report.add("  floor: the same \(hosts) documents asked for at once, served from the controller's memory", .milliseconds,
                   fromMemory)
        report.add("  floor: the same \(hosts) documents computed in one statement (plumb.hosts_desired)", .milliseconds, computed)
        report.add("controller resident memory (VmRSS) holding \(hosts) polls", .megabytes, holding, target: .below(300, .megabytes))
        report.add("reconnect storm: \(hosts) agents at once after a restart, every one served: p50", .milliseconds,
                   Samples([stormLatencies.quantile(0.5) ?? 0]))
        report.add("reconnect storm: p99", .milliseconds, Samples([stormLatencies.quantile(0.99) ?? 0]))
        report.add("reconnect storm: all \(hosts) served (slowest)", .milliseconds, Samples([stormLatencies.maximum ?? 0]),
                   target: .below(Double(max(1, hosts / 1000)) * 1000, .milliseconds))
        report.add("  the restart: new controller process to listening", .milliseconds, Samples([restart]))
        report.add("  controller resident memory (VmRSS) after the storm", .megabytes, Samples([stormRSS]))
        report.add("controller resident memory (VmRSS) idle, after declaring the facility", .megabytes, Samples([idle]))
        report.add("declare the facility of \(hosts) hypervisors (PUT /v1/facility, once)", .milliseconds, Samples([declare]))
        report.check("the controller held every poll before the change", heldProblems.isEmpty,
                     heldProblems.isEmpty ? "plumb_long_polls_held reached \(hosts) in every run" : heldProblems.joined(separator: "; "))
        report.check("every poll answered with a newer generation", problems.isEmpty,
                     problems.isEmpty ? "\(hosts) answers with status 200 and a newer generation in every run" : problems.joined(separator: "; "))
        report.check("the floor was served from memory", fetchedDuring == 0,
                     "\(Int(fetchedDuring)) documents fetched from the database while the same documents were asked for again")
        report.check("every agent of the reconnect storm got the change made while the controller was down", stormServed,
                     stormServed ? "\(hosts) answers with status 200 and a newer generation"
                         : "\(stormAnswers.count) of \(hosts) answered, \(stormWrong.count) without a newer generation"
                           + (stormWrong.first.map { ", e.g. \($0.host): status \($0.status) \($0.failure ?? "")" } ?? ""))
        report.notes.append("resident memory is the controller process alone; PostgreSQL runs in processes of its own")
        return report
    }

    /// Waits (at most 60 s) until the controller's `plumb_long_polls_held` reaches `count`; answers the last value seen.
    private func waitUntilHeld(_ count: Int, controller: ControllerProcess, admin: ControllerClient) throws -> Int {
        let deadline = Date(timeIntervalSinceNow: 60)
        var held = 0
        repeat {
            held = Int(try Self.metric("plumb_long_polls_held", controller))
            if held >= count { return held }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return held
    }

    /// The value of one series (name and labels, as exposed) on the controller's `/metrics`; 0 when absent.
    static func metric(_ series: String, _ controller: ControllerProcess) throws -> Double {
        let http = HTTPClient(configuration: HTTPClientConfiguration(totalTimeout: .seconds(30), bearerToken: controller.adminToken))
        let text = String(decoding: try http.send(method: "GET", url: controller.baseURL + "/metrics").body, as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// `VmRSS` of a process, in MB.
    static func residentMegabytes(of pid: Int32) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else {
            throw BenchmarkFailure("no VmRSS in /proc/\(pid)/status")
        }
        return kilobytes / 1024
    }

    /// Raises the soft limit of open files (inherited by the controller) to `wanted`, within the hard limit.
    static func raiseDescriptorLimit(to wanted: rlim_t) throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur < wanted else { return }
        limit.rlim_cur = min(wanted, limit.rlim_max)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur >= wanted else {
            throw BenchmarkFailure("cannot raise the open-file limit to \(wanted) (hard limit \(limit.rlim_max))")
        }
    }
}
