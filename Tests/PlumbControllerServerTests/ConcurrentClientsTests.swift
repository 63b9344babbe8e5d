import Foundation
import PlumbController
import PlumbHTTPClient
import PlumbModel
import XCTest

/// 16 clients materializing and deleting over HTTP at once, on a facility small enough that pools
/// run out: never a 5xx, never an identifier held twice, and a refused request leaves nothing behind.
/// (25 experiments per client keeps this well under a minute; the store-level ConcurrencyTests run 16 × 50.)
final class ConcurrentClientsTests: ServerTestCase {
    private static let clients = 16
    private static let experimentsPerClient = 25

    private struct Outcome: Sendable {
        var created: [String] = []
        var refused: [String: Int] = [:]
        var unexpected: [String] = []
    }

    func testSixteenClientsNeverShareAnIdentifierAndNeverSee5xx() async throws {
        _ = try admin.putFacility(TestFacility.facility())
        let baseURL = server.baseURL
        let token = Self.cogsToken
        let store = self.store!
        // The "agents": keep reporting every host's generation as applied, ending quarantines.
        let reporter = Task {
            while !Task.isCancelled {
                for host in try await store.hosts().hosts {
                    try await store.reportStatus(HostKey(kind: host.kind, name: host.name),
                                                 report: HostStatusReport(appliedGeneration: host.generation))
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let outcomes = await withTaskGroup(of: Outcome.self) { group -> [Outcome] in
            for client in 0..<Self.clients {
                group.addTask {
                    await Task.detached {
                        let cogs = ControllerClient(baseURL: baseURL, configuration: HTTPClientConfiguration(bearerToken: token))
                        var random = SystemRandomNumberGenerator()
                        var outcome = Outcome()
                        var live: [String] = []
                        for index in 0..<Self.experimentsPerClient {
                            let id = "c\(client)-\(index)"
                            let mechanisms: [Mechanism] = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                                [.virtio, .virtio, .vfio, .passthrough].randomElement(using: &random)!
                            }
                            do {
                                _ = try cogs.materialize(id: id, spec: TestFacility.spec(mechanisms))
                                outcome.created.append(id)
                                live.append(id)
                            } catch let error as APIError where (400..<500).contains(error.status) {
                                outcome.refused[id] = error.status
                            } catch {
                                outcome.unexpected.append("\(id) materialize: \(error)")
                            }
                            if live.count > 1 || (!live.isEmpty && Bool.random(using: &random)) {
                                let victim = live.removeFirst()
                                do { try cogs.dematerialize(id: victim) } catch { outcome.unexpected.append("\(victim) delete: \(error)") }
                            }
                        }
                        for victim in live {
                            do { try cogs.dematerialize(id: victim) } catch { outcome.unexpected.append("\(victim) delete: \(error)") }
                        }
                        return outcome
                    }.value
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        reporter.cancel()
        _ = await reporter.result

        XCTAssertEqual(outcomes.flatMap(\.unexpected), [], "no 5xx or transport failure")
        let created = Set(outcomes.flatMap(\.created))
        let refused = outcomes.reduce(into: [String: Int]()) { $0.merge($1.refused) { first, _ in first } }
        XCTAssertEqual(created.count + refused.count, Self.clients * Self.experimentsPerClient)
        XCTAssertGreaterThan(created.count, 0)
        XCTAssertGreaterThan(refused.count, 0, "the facility is small enough that some requests must be refused")
        print("http concurrency: \(created.count) materialized, \(refused.count) refused (\(Dictionary(grouping: refused.values, by: { $0 }).mapValues(\.count)))")

        // Refused requests left nothing: no materialization row, no history.
        let touched = Set(try await pool.withConnection {
            try $0.query("SELECT DISTINCT materialization AS value FROM plumb.allocation_history").rows.map { try $0.string("value") }
        })
        XCTAssertEqual(touched.intersection(refused.keys), [])
        XCTAssertEqual(touched, created)

        // No value was ever allocated while another materialization held it (replaying the history).
        let violations = try await pool.withConnection { connection -> [String] in
            var holder: [String: (event: String, owner: String)] = [:]
            var violations: [String] = []
            for row in try connection.query("SELECT kind, scope, value, event, materialization FROM plumb.allocation_history ORDER BY id").rows {
                let key = "\(try row.string("kind")) \(try row.string("scope")) \(try row.string("value"))"
                let event = try row.string("event"), owner = try row.string("materialization")
                switch (event, holder[key]) {
                case ("allocated", nil), ("allocated", ("freed", _)?), ("released", ("allocated", owner)?), ("freed", ("released", owner)?):
                    holder[key] = (event, owner)
                default:
                    violations.append("\(key): \(event) by \(owner) after \(String(describing: holder[key]))")
                }
            }
            return violations
        }
        XCTAssertEqual(violations, [])
        let rows = try await pool.withConnection { connection in
            (try connection.query("SELECT count(*) AS value FROM plumb.materializations WHERE state = 'active'").rows[0].int("value"),
             try connection.query("SELECT count(*) AS value FROM plumb.materializations WHERE id = ANY ($1::text[])",
                                  [Array(refused.keys)]).rows[0].int("value"))
        }
        XCTAssertEqual(rows.0, 0, "every materialization was deleted")
        XCTAssertEqual(rows.1, 0, "a refused id has no materialization row")
    }
}
