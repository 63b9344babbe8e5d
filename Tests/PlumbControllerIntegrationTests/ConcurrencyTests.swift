import Foundation
import Logging
import PlumbController
import PlumbModel
import PlumbPostgres
import XCTest

/// 16 clients materializing and deleting 50 experiments each, at once, on a facility small enough
/// that pools run out: no identifier is ever held twice, every failure is a clean API refusal, and
/// a refused request leaves nothing behind.
final class ConcurrencyTests: StoreTestCase {
    private static let clients = 16
    private static let experimentsPerClient = 50

    /// 1–2 networks, 1–2 VMs with 1–3 NICs each, mostly what the facility can give (virtio
    /// anywhere, VFs and passthrough where there are NICs for them), so that pools are what runs out.
    private static func randomSpec(_ random: inout some RandomNumberGenerator) -> MaterializationSpec {
        let networks = (0..<Int.random(in: 1...2, using: &random)).map {
            MaterializationSpec.Network(name: "n\($0)", guestVlans: Int.random(in: 0..<8, using: &random) == 0)
        }
        let vms = (0..<Int.random(in: 1...2, using: &random)).map { vmIndex -> MaterializationSpec.VM in
            let hypervisor = ["hv0", "hv0", "hv1", "hv2"].randomElement(using: &random)!
            let mechanisms: [Mechanism] = hypervisor == "hv2" ? [.virtio] : [.virtio, .vfio, .vfio, .passthrough]
            let nics = (0..<Int.random(in: 1...3, using: &random)).map { _ -> MaterializationSpec.NIC in
                MaterializationSpec.NIC(network: networks.randomElement(using: &random)!.name,
                                        mechanism: mechanisms.randomElement(using: &random)!)
            }
            return MaterializationSpec.VM(name: "vm\(vmIndex)", hypervisor: hypervisor, nics: nics)
        }
        return MaterializationSpec(networks: networks, vms: vms)
    }

    private struct Outcome: Sendable {
        var created: [String] = []
        var refused: [String: String] = [:]
        var unexpected: [String] = []
    }

    func testConcurrentClientsNeverShareAnIdentifier() async throws {
        // 29 VNIs, 18 tags on leaf0, 14 VFs and 3 passthrough NICs behind it.
        var facility = Fixture.facility(vniRange: 7000...7029)
        facility.leaves[0].vlanRange = Facility.NumberRange(first: 100, last: 119)
        try await store.putFacility(facility)
        let store = self.store!

        let finished = ManagedAtomicFlag()
        // The "agents": keep reporting every host's generation as applied, ending quarantines.
        let reporter = Task {
            while !finished.value {
                for host in try await store.hosts().hosts {
                    try await store.reportStatus(HostKey(kind: host.kind, name: host.name),
                                                 report: HostStatusReport(appliedGeneration: host.generation))
                }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }

        let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group -> [Outcome] in
            for client in 0..<Self.clients {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    var outcome = Outcome()
                    var live: [String] = []
                    for index in 0..<Self.experimentsPerClient {
                        let id = "c\(client)-\(index)"
                        do {
                            let answer = try await store.materialize(id: id, spec: Self.randomSpec(&random))
                            XCTAssertTrue(answer.created)
                            outcome.created.append(id)
                            live.append(id)
                        } catch let error as APIError {
                            XCTAssertTrue([409, 422].contains(error.status), "\(id): \(error)")
                            outcome.refused[id] = error.description
                        } catch {
                            outcome.unexpected.append("\(id) materialize: \(error)")
                        }
                        if live.count > 2 || (live.count > 0 && Bool.random(using: &random)) {
                            let victim = live.removeFirst()
                            do {
                                let deleted = try await store.dematerialize(id: victim)
                                XCTAssertTrue(deleted)
                            } catch {
                                outcome.unexpected.append("\(victim) dematerialize: \(error)")
                            }
                        }
                    }
                    for victim in live {
                        do {
                            try await store.dematerialize(id: victim)
                        } catch {
                            outcome.unexpected.append("\(victim) dematerialize: \(error)")
                        }
                    }
                    return outcome
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        finished.set()
        try await reporter.value

        let created = outcomes.flatMap(\.created)
        let refused = outcomes.reduce(into: [String: String]()) { $0.merge($1.refused) { first, _ in first } }
        XCTAssertEqual(outcomes.flatMap(\.unexpected), [])
        XCTAssertEqual(created.count + refused.count, Self.clients * Self.experimentsPerClient)
        XCTAssertGreaterThan(created.count, 0)
        XCTAssertGreaterThan(refused.count, 0, "the facility is small enough that some requests must be refused")
        let reasons = Dictionary(grouping: refused.values, by: { String($0.split(separator: ":").dropFirst().first?.prefix(30) ?? "") }).mapValues(\.count)
        print("concurrency: \(created.count) materialized, \(refused.count) refused: \(reasons.sorted { $0.key < $1.key })")

        // A refused request left nothing: no materialization, no history.
        let touched = Set(try await rows("SELECT DISTINCT materialization AS value FROM plumb.allocation_history")
            .map { try $0.string("value") })
        XCTAssertEqual(touched.intersection(refused.keys), [])
        let refusedRows = try await count("SELECT count(*) AS value FROM plumb.materializations WHERE id = ANY ($1::text[])",
                                          [Array(refused.keys)])
        XCTAssertEqual(refusedRows, 0)
        XCTAssertEqual(touched, Set(created), "every materialization has at least a VNI in the history")

        // Replay the history: a value is never allocated again before it was freed.
        let events = try await rows("SELECT kind, scope, value, event, materialization FROM plumb.allocation_history ORDER BY id")
        var holder: [String: (event: String, materialization: String)] = [:]
        var violations: [String] = []
        for row in events {
            let key = "\(try row.string("kind")) \(try row.string("scope")) \(try row.string("value"))"
            let event = try row.string("event"), materialization = try row.string("materialization")
            switch (event, holder[key]) {
            case ("allocated", nil), ("allocated", ("freed", _)?):
                holder[key] = (event, materialization)
            case ("released", ("allocated", materialization)?), ("freed", ("released", materialization)?):
                holder[key] = (event, materialization)
            default:
                violations.append("\(key): \(event) by \(materialization) after \(String(describing: holder[key]))")
            }
        }
        XCTAssertEqual(violations, [])

        // Everything was deleted; once every host has reported, every pool is empty again.
        try await reportAllApplied()
        let left = try await count("SELECT count(*) AS value FROM plumb.current_allocations")
        XCTAssertEqual(left, 0)
        let usage = try await store.poolUsage()
        XCTAssertTrue(usage.allSatisfy { $0.allocated == 0 && $0.quarantined == 0 && $0.free == $0.size }, "\(usage)")
    }
}

/// A flag set once by one task and read by another.
private final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
