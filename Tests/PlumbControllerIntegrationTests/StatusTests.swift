import PlumbController
import PlumbModel
import XCTest

/// Generations, status reports and readiness.
final class StatusTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    func testReadyWhenEveryTouchedHostHasAppliedItsGeneration() async throws {
        let m = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio, .vfio])).materialization
        XCTAssertEqual(m.status.state, .pending)
        XCTAssertEqual(m.status.hosts.map(\.host), ["hv0", "leaf0"])
        XCTAssertEqual(m.status.hosts.map(\.requiredGeneration), [2, 2])
        XCTAssertEqual(m.status.hosts.map(\.state), [.pending, .pending])

        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 2, agentVersion: "test"))
        let half = try await store.materialization(id: "exp").status
        XCTAssertEqual(half.state, .pending)
        XCTAssertEqual(half.hosts.map(\.state), [.ready, .pending])
        XCTAssertEqual(half.hosts[0].appliedGeneration, 2)
        XCTAssertNotNil(half.hosts[0].lastSeen)

        // An older generation is not enough.
        try await store.reportStatus(.leaf("leaf0"), report: HostStatusReport(appliedGeneration: 1))
        let stillPending = try await store.materialization(id: "exp").status.state
        XCTAssertEqual(stillPending, .pending)

        try await store.reportStatus(.leaf("leaf0"), report: HostStatusReport(appliedGeneration: 2))
        let ready = try await store.materialization(id: "exp").status
        XCTAssertEqual(ready.state, .ready)
        let list = try await store.materializations().materializations
        XCTAssertEqual(list.map(\.state), [.ready])

        // A later materialization on the same host does not make this one pending again.
        _ = try await store.materialize(id: "later", spec: Fixture.simple([.virtio], hypervisor: "hv0"))
        let stillReady = try await store.materialization(id: "exp").status.state
        XCTAssertEqual(stillReady, .ready)
    }

    func testHostListStates() async throws {
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio], hypervisor: "hv1"))
        let errors = [HostStatusReport.ItemError(item: "tap pl0", message: "boom")]
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 1, errors: errors))
        try await store.reportStatus(.hypervisor("hv1"), report: HostStatusReport(appliedGeneration: 1))
        let hosts = try await store.hosts().hosts
        let byName = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0) })
        XCTAssertEqual(byName["hv0"]?.state, .converged)
        XCTAssertEqual(byName["hv0"]?.errors, errors)
        XCTAssertEqual(byName["hv1"]?.state, .pending)
        XCTAssertEqual(byName["hv1"]?.generation, 2)
        XCTAssertEqual(byName["hv1"]?.appliedGeneration, 1)
        XCTAssertEqual(byName["hv2"]?.state, .unknown)
        XCTAssertNil(byName["hv2"]?.lastSeen)
    }

    func testReportsAreChecked() async throws {
        await assertRefused(404, "not_found", field: nil) {
            try await self.store.reportStatus(.hypervisor("nope"), report: HostStatusReport(appliedGeneration: 1))
        }
        await assertRefused(422, "inconsistent_field", field: "applied_generation") {
            try await self.store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 2))
        }
        await assertRefused(400, "invalid_field", field: "applied_generation") {
            try await self.store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: -1))
        }
        let hv0 = try await store.hosts().hosts.first { $0.name == "hv0" }
        XCTAssertNil(hv0?.lastSeen, "a refused report records nothing")
    }

    func testInventoryIsStored() async throws {
        let inventory = HostStatusReport.Inventory(nics: [HostStatusReport.Inventory.NIC(
            name: "eno2", pciAddress: PCIAddress("0000:3b:00.1"), vfLimit: 8, vfPciAddresses: [PCIAddress("0000:3b:02.0")!],
            driver: "mlx5_core")])
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 1, inventory: inventory))
        let stored = try await rows("SELECT inventory::text AS value FROM plumb.hosts WHERE name = 'hv0'")[0]
        let decoded = try stored.decode(HostStatusReport.Inventory.self, "value", decoder: PlumbJSON.decoder())
        XCTAssertEqual(decoded, inventory)
    }
}

/// Readiness when hosts go quiet: a store that considers every host unresponsive at once.
final class StatusUnresponsiveTests: StoreTestCase {
    override var unresponsiveAfter: TimeInterval { 0 }

    func testSilentHostsMakeAMaterializationUnresponsive() async throws {
        try await declareFacility()
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio, .vfio]))
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 2))
        let status = try await store.materialization(id: "exp").status
        XCTAssertEqual(status.state, .unresponsive)
        // hv0 applied it (ready); leaf0 never reported within the time.
        XCTAssertEqual(status.hosts.map(\.state), [.ready, .unresponsive])
        let hosts = try await store.hosts().hosts
        XCTAssertEqual(hosts.first { $0.name == "hv0" }?.state, .unresponsive)
        XCTAssertEqual(hosts.first { $0.name == "leaf0" }?.state, .unknown)
    }

    func testContactMovesLastSeen() async throws {
        try await declareFacility()
        try await store.recordContact(.leaf("leaf0"))
        let leaf = try await store.hosts().hosts.first { $0.name == "leaf0" }
        XCTAssertNotNil(leaf?.lastSeen)
        XCTAssertNil(leaf?.appliedGeneration)
        await assertRefused(404, "not_found", field: nil) { try await self.store.recordContact(.leaf("nope")) }
    }
}
