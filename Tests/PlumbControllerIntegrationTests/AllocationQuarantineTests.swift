import PlumbController
import PlumbModel
import XCTest

/// Released identifiers are not handed out again until every host that had them has applied a
/// generation without them, or an operator forces their release.
final class AllocationQuarantineTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        // Exactly one VNI (7000; 7001 is reserved).
        try await declareFacility(Fixture.facility(vniRange: 7000...7001))
    }

    private let spec = Fixture.spec(
        networks: [MaterializationSpec.Network(name: "a")],
        vms: [("v0", "hv0", [MaterializationSpec.NIC(network: "a"), MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno4"),
                             MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno4")]),
              ("v1", "hv2", [MaterializationSpec.NIC(network: "a")])])

    func testNotReusedUntilEveryHostReports() async throws {
        let first = try await store.materialize(id: "first", spec: spec).materialization
        XCTAssertEqual(first.networks[0].vni, 7000)
        try await store.dematerialize(id: "first")

        // Everything is quarantined: the only VNI, both VFs of eno4, the MACs, the tag.
        await assertStillQuarantined()
        await assertRefused(409, "pool_exhausted", field: "networks[0]") {
            _ = try await self.store.materialize(id: "network-only", spec: Fixture.spec(
                networks: [MaterializationSpec.Network(name: "a")], vms: []))
        }
        let quarantined = try await count("SELECT count(*) AS value FROM plumb.current_allocations WHERE state = 'quarantined'")
        XCTAssertEqual(quarantined, 1 + 1 + 4 + 2 + 2)  // VNI, VLAN, 4 MACs, 2 taps, 2 VFs

        // hv0 and leaf0 report the release; hv2 has not: still held.
        let hv0 = try await store.generation(of: .hypervisor("hv0"))
        let leaf0 = try await store.generation(of: .leaf("leaf0"))
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: hv0))
        try await store.reportStatus(.leaf("leaf0"), report: HostStatusReport(appliedGeneration: leaf0))
        await assertStillQuarantined()

        // hv2 reporting an older generation is not enough either.
        try await store.reportStatus(.hypervisor("hv2"), report: HostStatusReport(appliedGeneration: 1))
        await assertStillQuarantined()

        let hv2 = try await store.generation(of: .hypervisor("hv2"))
        try await store.reportStatus(.hypervisor("hv2"), report: HostStatusReport(appliedGeneration: hv2))
        let leftover = try await count("SELECT count(*) AS value FROM plumb.current_allocations")
        XCTAssertEqual(leftover, 0)
        let second = try await store.materialize(id: "second", spec: spec).materialization
        XCTAssertEqual(second.networks[0].vni, 7000, "the freed VNI is handed out again")
        XCTAssertEqual(second.vms[0].nics.compactMap(\.vfIndex), [0, 1])
        XCTAssertEqual(Set(second.vms.flatMap(\.nics).compactMap(\.mac)), Set(first.vms.flatMap(\.nics).compactMap(\.mac)))
    }

    func testForceReleaseForAHostThatIsGone() async throws {
        _ = try await store.materialize(id: "first", spec: spec)
        try await store.dematerialize(id: "first")
        try await reportAllAppliedExcept("hv2")
        await assertStillQuarantined()
        try await store.forceRelease(host: .hypervisor("hv2"))
        _ = try await store.materialize(id: "second", spec: spec)
        await assertRefused(404, "not_found", field: nil) { try await self.store.forceRelease(host: .hypervisor("hv9")) }
    }

    func testForceReleaseDoesNotTouchLiveMaterializations() async throws {
        _ = try await store.materialize(id: "first", spec: spec)
        try await store.forceRelease(host: .hypervisor("hv2"))
        let live = try await count("SELECT count(*) AS value FROM plumb.current_allocations WHERE state = 'held'")
        XCTAssertEqual(live, 10)
        let status = try await store.materialization(id: "first").status
        XCTAssertEqual(status.hosts.map(\.host), ["hv0", "hv2", "leaf0"])
    }

    func testReportingBeforeTheReleaseKeepsTheQuarantine() async throws {
        _ = try await store.materialize(id: "first", spec: spec)
        try await reportAllApplied()  // the generation that carries it
        try await store.dematerialize(id: "first")
        let quarantined = try await count("SELECT count(*) AS value FROM plumb.current_allocations WHERE state = 'quarantined'")
        XCTAssertEqual(quarantined, 10)
        try await reportAllApplied()  // the generation without it
        let left = try await count("SELECT count(*) AS value FROM plumb.current_allocations")
        XCTAssertEqual(left, 0)
    }

    /// The VFs of eno4 (and the only VNI) are still held: the same spec cannot be allocated again.
    private func assertStillQuarantined(file: StaticString = #filePath, line: UInt = #line) async {
        await assertRefused(409, "vf_limit", field: "vms[0].nics[1].pf", file: file, line: line) {
            _ = try await self.store.materialize(id: "second", spec: self.spec)
        }
    }

    private func reportAllAppliedExcept(_ name: String) async throws {
        for host in try await store.hosts().hosts where host.name != name {
            try await store.reportStatus(HostKey(kind: host.kind, name: host.name),
                                         report: HostStatusReport(appliedGeneration: host.generation))
        }
    }
}
