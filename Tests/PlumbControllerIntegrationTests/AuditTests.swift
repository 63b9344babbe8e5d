import Foundation
import PlumbController
import PlumbModel
import PlumbPostgres
import XCTest

/// The append-only allocation history, written by the database, and the documented audit queries.
final class AuditTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    private struct Event: Equatable, CustomStringConvertible {
        var event, kind, value, scope, holder, actor: String
        var description: String { "\(event) \(kind) \(value) [\(scope)] \(holder) by \(actor)" }
    }

    private func history(_ materialization: String) async throws -> [Event] {
        try await rows("""
            SELECT event, kind, value, scope, holder, actor FROM plumb.allocation_history
            WHERE materialization = $1 ORDER BY id
            """, [materialization]).map {
            Event(event: try $0.string("event"), kind: try $0.string("kind"), value: try $0.string("value"),
                  scope: try $0.string("scope"), holder: try $0.string("holder"), actor: try $0.string("actor"))
        }
    }

    func testEveryAllocationReleaseAndFreeIsRecordedWithItsActor() async throws {
        let spec = Fixture.spec(networks: [MaterializationSpec.Network(name: "a")],
                                vms: [("vm", "hv0", [MaterializationSpec.NIC(network: "a"),
                                                     MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno2"),
                                                     MaterializationSpec.NIC(network: "a", mechanism: .passthrough, pf: "eno3")])])
        let m = try await store.materialize(id: "exp", spec: spec).materialization
        let nics = m.vms[0].nics
        let vni = String(m.networks[0].vni), vlan = String(nics[1].vlan!)
        let held: [(String, String, String, String)] = [
            ("vni", vni, "", "network a"),
            ("vlan", vlan, "leaf0", "network a"),
            ("mac", nics[0].mac!.description, "", "vm/eth0"),
            ("tap", nics[0].tap!, "hv0", "vm/eth0"),
            ("mac", nics[1].mac!.description, "", "vm/eth1"),
            ("vf", "0", "hv0/eno2", "vm/eth1"),
            ("passthrough", "eno3", "hv0", "vm/eth2"),
        ]
        func events(_ event: String, by actor: String) -> [Event] {
            held.map { Event(event: event, kind: $0.0, value: $0.1, scope: $0.2, holder: $0.3, actor: actor) }
        }
        func sorted(_ events: [Event]) -> [Event] { events.sorted { $0.description < $1.description } }

        let allocated = try await history("exp")
        XCTAssertEqual(sorted(allocated), sorted(events("allocated", by: "cogs")))

        try await store.dematerialize(id: "exp", actor: "cogs-test")
        let released = try await history("exp").dropFirst(held.count)
        XCTAssertEqual(sorted(Array(released)), sorted(events("released", by: "cogs-test")))

        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 3))
        try await store.reportStatus(.leaf("leaf0"), report: HostStatusReport(appliedGeneration: 3))
        // Each identifier is freed by the report of the last host that carried it: the VM NICs' by hv0's,
        // the tag (and with it the VNI, no longer carried anywhere) by leaf0's.
        let freed = try await history("exp").dropFirst(2 * held.count)
        let byLeaf = Set(["vni", "vlan"])
        let expected = events("freed", by: "hypervisor:hv0").filter { !byLeaf.contains($0.kind) }
            + events("freed", by: "leaf:leaf0").filter { byLeaf.contains($0.kind) }
        XCTAssertEqual(sorted(Array(freed)), sorted(expected))
    }

    func testTheHistoryIsAppendOnly() async throws {
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio]))
        for statement in ["UPDATE plumb.allocation_history SET value = 'x'",
                          "DELETE FROM plumb.allocation_history",
                          "TRUNCATE plumb.allocation_history"] {
            do {
                _ = try await rows(statement)
                XCTFail("\(statement) succeeded")
            } catch let error as PostgresError {
                XCTAssertEqual(error.sqlState, "42501", "\(statement): \(error)")
                XCTAssertTrue(error.message.contains("append-only"), error.message)
            }
        }
        let count = try await count("SELECT count(*) AS value FROM plumb.allocation_history")
        XCTAssertEqual(count, 3)
    }

    func testAllocationsCannotBeEditedOrSilentlyRemoved() async throws {
        let m = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio])).materialization
        for statement in ["UPDATE plumb.networks SET vni = vni + 50",
                          "UPDATE plumb.vm_nics SET mac = mac + 1",
                          "TRUNCATE plumb.vm_nics CASCADE",
                          "TRUNCATE plumb.materializations CASCADE"] {
            do {
                _ = try await rows(statement)
                XCTFail("\(statement) succeeded")
            } catch let error as PostgresError {
                XCTAssertEqual(error.sqlState, "42501", "\(statement): \(error)")
            }
        }
        // A DELETE behind the controller's back is still recorded.
        _ = try await rows("DELETE FROM plumb.materializations")
        let freed = try await history("exp").filter { $0.event == "freed" }.map(\.value).sorted()
        XCTAssertEqual(freed, [String(m.networks[0].vni), m.vms[0].nics[0].mac!.description, m.vms[0].nics[0].tap!].sorted())
    }

    func testDoubleAllocationIsImpossibleEvenBehindTheController() async throws {
        let m = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio, .vfio])).materialization
        let vni = m.networks[0].vni
        let mac = try XCTUnwrap(m.vms[0].nics[0].mac)
        for (statement, constraint) in [
            ("INSERT INTO plumb.networks (mid, name, ordinal, vni, allow_local, guest_vlans) SELECT mid, 'dup', 1, \(vni), false, false FROM plumb.materializations",
             "networks_vni_key"),
            ("INSERT INTO plumb.vm_nics (mid, vm, vm_ordinal, nic, nic_ordinal, hypervisor, network, mechanism, mac, tap) SELECT mid, 'vm', 0, 'dup', 9, 'hv1', 'net', 'virtio', \(Int64(mac.value)), 'pldup' FROM plumb.materializations",
             "vm_nics_mac_key"),
        ] {
            do {
                _ = try await rows(statement)
                XCTFail("\(statement) succeeded")
            } catch let error as PostgresError {
                XCTAssertEqual(error.sqlState, "23505", "\(error)")
                XCTAssertEqual(error.constraint, constraint)
            }
        }
    }

    // MARK: - The documented queries in sql/audit

    private func auditQuery(_ file: String, _ variables: [String: String] = [:]) throws -> [(String, [PostgresBindable?])] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sql/audit/\(file)")
        var text = try String(contentsOf: url, encoding: .utf8)
        var parameters: [PostgresBindable?] = []
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) {
            parameters.append(value)
            text = text.replacingOccurrences(of: ":'\(name)'", with: "$\(parameters.count)::text")
        }
        return text.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && !$0.split(separator: "\n").allSatisfy { $0.hasPrefix("--") } }
            .map { statement in
                let used = parameters.enumerated().filter { statement.contains("$\($0.offset + 1)") }
                XCTAssertEqual(used.count, parameters.count, "a statement of \(file) leaves out a variable")
                return (statement, parameters)
            }
    }

    private func now() async throws -> String {
        try await rows("SELECT clock_timestamp()::text AS value")[0].string("value")
    }

    func testWhoHeldVNIAtTime() async throws {
        let before = try await now()
        let first = try await store.materialize(id: "first", spec: Fixture.simple([.virtio]), actor: "alice").materialization
        let vni = String(first.networks[0].vni)
        let during = try await now()
        try await store.dematerialize(id: "first")
        let quarantined = try await now()
        try await reportAllApplied()
        let second = try await store.materialize(id: "second", spec: Fixture.simple([.virtio]), actor: "bob").materialization
        XCTAssertEqual(String(second.networks[0].vni), vni, "the VNI went to the next experiment")
        let later = try await now()

        func holders(at time: String) async throws -> [String] {
            let statements = try auditQuery("who-held-vni.sql", ["vni": vni, "at": time])
            XCTAssertEqual(statements.count, 1)
            return try await rows(statements[0].0, statements[0].1).map {
                "\(try $0.string("materialization")) \(try $0.string("allocated_by")) \(try $0.string("state_at_time"))"
            }
        }
        let atBefore = try await holders(at: before)
        let atDuring = try await holders(at: during)
        let atQuarantine = try await holders(at: quarantined)
        let atLater = try await holders(at: later)
        XCTAssertEqual(atBefore, [])
        XCTAssertEqual(atDuring, ["first alice held"])
        XCTAssertEqual(atQuarantine, ["first alice quarantined"])
        XCTAssertEqual(atLater, ["second bob held"])
    }

    func testVLANUsePerLeaf() async throws {
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.vfio, .passthrough]))
        let statements = try auditQuery("vlan-use-per-leaf.sql")
        XCTAssertEqual(statements.count, 2)
        let use = try await rows(statements[0].0).map { "\(try $0.string("leaf")) \(try $0.int("vlan")) \(try $0.string("materialization")) \(try $0.string("state"))" }
        XCTAssertEqual(use, ["leaf0 102 exp held"])
        let totals = try await rows(statements[1].0).map { "\(try $0.string("leaf")) \(try $0.int("allocated")) \(try $0.int("free"))" }
        XCTAssertEqual(totals, ["leaf0 1 7", "leaf1 0 100"])
    }

    func testAllocationsWhoseMaterializationIsGone() async throws {
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio], hypervisor: "hv2"))
        let statements = try auditQuery("orphaned-allocations.sql")
        let none = try await rows(statements[0].0)
        XCTAssertEqual(none.count, 0)
        try await store.dematerialize(id: "exp")
        let waiting = try await rows(statements[0].0)
        XCTAssertEqual(waiting.count, 3)  // VNI, MAC, tap
        XCTAssertTrue(try waiting.allSatisfy { try $0.string("waiting_for").contains("hypervisor hv2") })
        try await reportAllApplied()
        let after = try await rows(statements[0].0)
        XCTAssertEqual(after.count, 0)
        let history = try auditQuery("history-of-value.sql", ["kind": "vni", "value": "7000"])
        let events = try await rows(history[0].0, history[0].1).map { try $0.string("event") }
        XCTAssertEqual(events, ["allocated", "released", "freed"])
    }
}
