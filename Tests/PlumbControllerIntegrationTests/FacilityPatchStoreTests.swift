import Foundation
import Logging
import PlumbController
import PlumbModel
import PlumbPostgres
import XCTest

/// `PATCH /v1/facility` in the store: the patched facility is declared as a whole one would be, on the facility
/// current in the database (another replica's declaration included), with refusals pointed at the patch.
final class FacilityPatchStoreTests: StoreTestCase {
    private func mtu(_ mtu: Int, _ names: String...) -> FacilityPatch {
        FacilityPatch(hypervisors: names.map { FacilityPatch.Hypervisor(name: $0, underlayMtu: mtu) })
    }

    /// A second controller on the same database.
    private func replica() -> (ControllerStore, PostgresPool) {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: databaseURL, size: 2), logger: Logger(label: "test.replica"))
        return (ControllerStore(pool: pool, configuration: ControllerConfiguration(unresponsiveAfter: 3600),
                                logger: Logger(label: "test.replica")), pool)
    }

    func testBeforeAnyDeclarationItIsNotFound() async {
        await assertRefused(404, "not_found", field: nil) { try await self.store.patchFacility(self.mtu(9000, "hv0")) }
    }

    func testOnlyThePatchedHostsChangeAndTheFacilityIsStoredWhole() async throws {
        try await store.putFacility(Fixture.facility())
        let before = Dictionary(uniqueKeysWithValues: try await store.hosts().hosts.map { ("\($0.kind):\($0.name)", $0.generation) })
        // Row versions (xmin): only the rows of what changed are written.
        let versions = "SELECT 'hypervisor:' || name AS row, xmin::text AS version FROM plumb.hypervisors UNION ALL "
            + "SELECT 'leaf:' || name, xmin::text FROM plumb.leaves UNION ALL SELECT 'nic:' || hypervisor || '/' || name, xmin::text "
            + "FROM plumb.host_nics UNION ALL SELECT 'host:' || kind || ':' || name, xmin::text FROM plumb.hosts"
        let written = try await Dictionary(uniqueKeysWithValues: rows(versions).map { (try $0.string("row"), try $0.string("version")) })
        let declared = try await store.patchFacility(mtu(8000, "hv1"))
        var expected = Fixture.facility()
        expected.hypervisors[1].underlayMtu = 8000
        XCTAssertEqual(declared.facility, expected)
        XCTAssertEqual(declared.json, try PlumbJSON.encode(expected), "the answer is the facility as stored")
        let stored = try await store.facility()
        XCTAssertEqual(stored, expected)
        let after = Dictionary(uniqueKeysWithValues: try await store.hosts().hosts.map { ("\($0.kind):\($0.name)", $0.generation) })
        XCTAssertEqual(after.filter { $0.value != before[$0.key] }.keys.sorted(), ["hypervisor:hv1"])
        let rewritten = try await rows(versions).filter { try written[$0.string("row")] != $0.string("version") }.map { try $0.string("row") }
        XCTAssertEqual(rewritten.sorted(), ["host:hypervisor:hv1", "hypervisor:hv1"])
        let hv1 = try await store.hostDesiredState(host: "hv1")
        XCTAssertEqual(hv1.vtep.underlayMtu, 8000)
    }

    /// A change of every hypervisor of a thousand rewrites all their host and hypervisor rows at once; each new row
    /// version stays on its row's page (migration 0006 leaves room), so no index entry is written for it.
    func testAChangeOfEveryHypervisorKeepsEachRowOnItsPage() async throws {
        var facility = Fixture.facility()
        facility.hypervisors = (0..<1000).map { index in
            Facility.Hypervisor(name: "hypervisor-\(index)", vtepIp: IPv4Address("198.19.\(index / 250).\(index % 250 + 1)")!,
                                leaf: "leaf1", underlayMtu: 9000)
        }
        try await store.putFacility(facility)
        let pages = """
            SELECT 'host:' || name AS row, (ctid::text::point)[0]::text AS page FROM plumb.hosts WHERE kind = 'hypervisor'
            UNION ALL SELECT 'hypervisor:' || name, (ctid::text::point)[0]::text FROM plumb.hypervisors
            """
        let before = try await Dictionary(uniqueKeysWithValues: rows(pages).map { (try $0.string("row"), try $0.string("page")) })
        try await store.patchFacility(FacilityPatch(hypervisors: facility.hypervisors.map { .init(name: $0.name, underlayMtu: 8950) }))
        let after = try await Dictionary(uniqueKeysWithValues: rows(pages).map { (try $0.string("row"), try $0.string("page")) })
        XCTAssertEqual(after.count, 2000)
        XCTAssertEqual(after.filter { before[$0.key] != $0.value }.count, 0, "rows moved to another page")
        let changed = try await count("SELECT count(*)::int AS value FROM plumb.hypervisors WHERE underlay_mtu = 8950")
        XCTAssertEqual(changed, 1000)
    }

    func testItAppliesToWhatAnotherReplicaDeclaredSince() async throws {
        try await store.putFacility(Fixture.facility())
        let (other, otherPool) = replica()
        var elsewhere = Fixture.facility()
        elsewhere.hypervisors[2].underlayMtu = 7000
        try await other.putFacility(elsewhere)
        // This store last declared the fixture; the database holds the other replica's facility.
        try await store.patchFacility(mtu(8000, "hv0"))
        let stored = try await store.facility()
        XCTAssertEqual(stored.hypervisors.map(\.underlayMtu), [8000, 1500, 7000], "neither change is lost")
        // And the other way round, through the other replica's patch.
        try await other.patchFacility(mtu(6000, "hv1"))
        let again = try await store.facility()
        XCTAssertEqual(again.hypervisors.map(\.underlayMtu), [8000, 6000, 7000])
        await otherPool.shutdown()
    }

    func testConcurrentPatchesOfTwoReplicasAllLand() async throws {
        try await store.putFacility(Fixture.facility())
        let (other, otherPool) = replica()
        let stores: [ControllerStore] = [store, other]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for round in 0..<4 {
                for (index, name) in ["hv0", "hv1", "hv2"].enumerated() {
                    let patch = mtu(2000 + round * 10 + index, name)
                    let target = stores[(round + index) % 2]
                    group.addTask { try await target.patchFacility(patch) }
                }
            }
            try await group.waitForAll()
        }
        let stored = try await store.facility()
        XCTAssertTrue(stored.hypervisors.enumerated().allSatisfy { $0.element.underlayMtu >= 2000 && $0.element.underlayMtu % 10 == $0.offset },
                      "each hypervisor carries a patch of its own: \(stored.hypervisors.map(\.underlayMtu))")
        await otherPool.shutdown()
    }

    func testARefusalNamesThePatchAndChangesNothing() async throws {
        try await store.putFacility(Fixture.facility())
        try await store.materialize(id: "vf", spec: Fixture.simple([.vfio], hypervisor: "hv1"))
        let before = try await store.facility()
        // hv1's eno1 gives the VF: removing it is refused, and the field is the patch's first entry.
        let removal = FacilityPatch(hypervisors: [.init(name: "hv1", nics: [before.hypervisors[1].nics[1]])])
        let refusal = await refusal { try await self.store.patchFacility(removal) }
        XCTAssertEqual(refusal?.status, 409)
        XCTAssertEqual(refusal?.code, "in_use")
        XCTAssertTrue(refusal?.field?.hasPrefix("hypervisors[0]") ?? false, "\(String(describing: refusal))")
        // A result the validation refuses (hv2 behind a leaf nobody declared) names the patch's field as well.
        await assertRefused(422, "inconsistent_field", field: "hypervisors[1].leaf") {
            try await self.store.patchFacility(FacilityPatch(hypervisors: [.init(name: "hv0", underlayMtu: 9000),
                                                                           .init(name: "hv2", leaf: "leaf9")]))
        }
        let after = try await store.facility()
        XCTAssertEqual(after, before)
    }
}
