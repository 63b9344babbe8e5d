import Foundation
import PlumbHTTPClient
import PlumbModel

/// Polls the controller until hosts have applied what they must, writing progress to standard error
/// whenever it changes.
struct ReadinessWait {
    var client: ControllerClient
    var timeout: Duration
    var interval: Duration = .milliseconds(250)

    /// Waits until the materialization `id` is ready; returns it as last read. Stops at once when it
    /// failed (a host applied it with errors for its items): waiting longer would not make it ready.
    func untilReady(id: String) throws -> Materialization {
        let deadline = ContinuousClock.now + timeout
        var lastProgress = ""
        while true {
            let materialization = try client.materialization(id: id)
            let hosts = materialization.status.hosts
            let applied = hosts.filter { $0.state == .ready }
            var progress = "\(id): \(applied.count)/\(hosts.count) hosts applied"
            let waiting = hosts.filter { $0.state != .ready }.map { host in
                "\(host.host) \(host.state.rawValue) (applied \(host.appliedGeneration.map(String.init) ?? "none"), "
                    + "needs \(host.requiredGeneration))"
            }
            if !waiting.isEmpty { progress += "; waiting for " + waiting.joined(separator: ", ") }
            if progress != lastProgress {
                Self.note(progress)
                lastProgress = progress
            }
            if materialization.status.state == .ready { return materialization }
            if materialization.status.state == .failed {
                let errors = hosts.flatMap { host in host.errors.map { "\(host.host) \($0.item): \($0.message)" } }
                throw CommandFailure(code: .refused, message: "\(id) failed: " + errors.joined(separator: "; "))
            }
            guard ContinuousClock.now < deadline else {
                throw CommandFailure(code: .timedOut, message: "\(id) is not ready after \(timeout): \(progress)")
            }
            Thread.sleep(forTimeInterval: Self.seconds(interval))
        }
    }

    /// Waits until every host in `required` has applied at least the generation given for it (the generations
    /// a dematerialization raised), so their plumbing is gone and the identifiers are back in their pools.
    func untilApplied(_ required: [String: Int64], label: String) throws {
        let deadline = ContinuousClock.now + timeout
        var lastProgress = ""
        while true {
            let hosts = try client.hosts().hosts.filter { required[$0.name] != nil }
            let done = hosts.filter { ($0.appliedGeneration ?? -1) >= required[$0.name]! }
            let waiting = hosts.filter { ($0.appliedGeneration ?? -1) < required[$0.name]! }.map(\.name).sorted()
            var progress = "\(label): \(done.count)/\(required.count) hosts applied"
            if !waiting.isEmpty { progress += "; waiting for " + waiting.joined(separator: ", ") }
            if progress != lastProgress {
                Self.note(progress)
                lastProgress = progress
            }
            if done.count == required.count { return }
            guard ContinuousClock.now < deadline else {
                throw CommandFailure(code: .timedOut, message: "\(label): not applied everywhere after \(timeout): \(progress)")
            }
            Thread.sleep(forTimeInterval: Self.seconds(interval))
        }
    }

    private static func note(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
