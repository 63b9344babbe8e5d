import Foundation
import Logging
import PlumbController
import PlumbModel
import PlumbPostgres
import XCTest

/// Writers lock only the scopes they change: a transaction holding one hypervisor's lock (as a
/// long materialization would) stops writers of that hypervisor and nobody else; a facility change
/// waits for every writer and every writer waits for it. Waiting is observed in `pg_locks`, never
/// timed.
final class ScopeLockTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    /// A transaction of its own that holds `hosts`' locks (and the facility lock shared) until `release()`.
    private final class ScopeHolder {
        private let connection: PostgresConnection

        init(url: String, hosts: [String], facilityChange: Bool = false) throws {
            connection = try PostgresConnection(url: url, logger: Logger(label: "test.scope-holder"))
            try connection.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            try connection.query("SELECT plumb.begin_change('test', $1)", [facilityChange])
            try connection.query("SELECT plumb.lock_hosts($1::text[])", [hosts])
        }

        func release() throws { try connection.execute("COMMIT") }
    }

    /// Waits until some backend waits for an advisory lock; fails after a generous deadline.
    private func waitUntilSomeoneWaitsForALock(file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(20)
        while try await count("SELECT count(*) AS value FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 0 {
            guard Date() < deadline else { return XCTFail("nobody waited for a lock", file: file, line: line) }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    func testWritersOfOtherHypervisorsDoNotWait() async throws {
        let holder = try ScopeHolder(url: databaseURL, hosts: ["hypervisor:hv0"])
        // hv2 and hv1 (virtio: no leaf) go ahead while hv0 is held; so do their status reports.
        _ = try await store.materialize(id: "elsewhere", spec: Fixture.simple([.virtio], hypervisor: "hv2"))
        _ = try await store.materialize(id: "beside", spec: Fixture.simple([.virtio, .vfio], hypervisor: "hv1"))
        try await store.reportStatus(.hypervisor("hv2"), report: HostStatusReport(appliedGeneration: 1))

        let store = self.store!
        let blocked = Task { try await store.materialize(id: "here", spec: Fixture.simple([.virtio], hypervisor: "hv0")) }
        try await waitUntilSomeoneWaitsForALock()
        try holder.release()
        let answer = try await blocked.value
        XCTAssertTrue(answer.created)
    }

    func testAStatusReportWaitsOnlyForItsOwnHost() async throws {
        let holder = try ScopeHolder(url: databaseURL, hosts: ["hypervisor:hv0"])
        try await store.reportStatus(.hypervisor("hv1"), report: HostStatusReport(appliedGeneration: 1))
        let store = self.store!
        let blocked = Task { try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 1)) }
        try await waitUntilSomeoneWaitsForALock()
        try holder.release()
        try await blocked.value
    }

    func testAFacilityChangeWaitsForWritersAndWritersForIt() async throws {
        let writer = try ScopeHolder(url: databaseURL, hosts: ["hypervisor:hv2"])
        let store = self.store!
        var facility = Fixture.facility()
        facility.reservedVnis = [7001, 7050]
        let change = Task { try await store.putFacility(facility) }
        try await waitUntilSomeoneWaitsForALock()
        try writer.release()
        _ = try await change.value

        let facilityChange = try ScopeHolder(url: databaseURL, hosts: [], facilityChange: true)
        let materialization = Task { try await store.materialize(id: "after", spec: Fixture.simple([.virtio], hypervisor: "hv2")) }
        try await waitUntilSomeoneWaitsForALock()
        try facilityChange.release()
        _ = try await materialization.value
    }

    func testDeletingAMaterializationLocksItsHosts() async throws {
        _ = try await store.materialize(id: "held", spec: Fixture.simple([.virtio], hypervisor: "hv0"))
        let holder = try ScopeHolder(url: databaseURL, hosts: ["hypervisor:hv0"])
        let store = self.store!
        let delete = Task { try await store.dematerialize(id: "held") }
        try await waitUntilSomeoneWaitsForALock()
        try holder.release()
        let deleted = try await delete.value
        XCTAssertTrue(deleted)
    }
}
