import PlumbController
import PlumbModel
import XCTest

/// Released identifiers are not handed out again until every host that carried them has applied a
/// generation without them, or an operator forces their release; a host that never carried an
/// identifier is never waited for.
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

    func testNotReusedUntilEveryHostThatCarriedItReports() async throws {
        let first = try await store.materialize(id: "first", spec: spec).materialization
        XCTAssertEqual(first.networks[0].vni, 7000)
        try await store.dematerialize(id: "first")

        // Everything is quarantined: the only VNI, both VFs of eno4, the MACs, the tag.
        await assertRefused(409, "vf_limit", field: "vms[0].nics[1].pf") {
            _ = try await self.store.materialize(id: "second", spec: self.spec)
        }
        await assertVNIStillHeld()
        let quarantined = try await count("SELECT count(*) AS value FROM plumb.current_allocations WHERE state = 'quarantined'")
        XCTAssertEqual(quarantined, 1 + 1 + 4 + 2 + 2)  // VNI, VLAN, 4 MACs, 2 taps, 2 VFs

        // hv0 and leaf0 report the release: what they carried is free (VFs, MACs and tap of v0, the
        // tag); the VNI is still carried by hv2's virtio NIC.
        let hv0 = try await store.generation(of: .hypervisor("hv0"))
        let leaf0 = try await store.generation(of: .leaf("leaf0"))
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: hv0))
        try await store.reportStatus(.leaf("leaf0"), report: HostStatusReport(appliedGeneration: leaf0))
        let left = try await quarantinedItems()
        XCTAssertEqual(left, ["mac \(first.vms[1].nics[0].mac!) ", "tap \(first.vms[1].nics[0].tap!) hv2", "vni 7000 "])
        await assertVNIStillHeld()

        // hv2 reporting an older generation is not enough.
        try await store.reportStatus(.hypervisor("hv2"), report: HostStatusReport(appliedGeneration: 1))
        await assertVNIStillHeld()

        let hv2 = try await store.generation(of: .hypervisor("hv2"))
        try await store.reportStatus(.hypervisor("hv2"), report: HostStatusReport(appliedGeneration: hv2))
        let leftover = try await count("SELECT count(*) AS value FROM plumb.current_allocations")
        XCTAssertEqual(leftover, 0)
        let gone = try await count("SELECT count(*) AS value FROM plumb.materializations")
        XCTAssertEqual(gone, 0, "the materialization row goes once nothing of it remains")
        let second = try await store.materialize(id: "second", spec: spec).materialization
        XCTAssertEqual(second.networks[0].vni, 7000, "the freed VNI is handed out again")
        XCTAssertEqual(second.vms[0].nics.compactMap(\.vfIndex), [0, 1])
        XCTAssertEqual(Set(second.vms.flatMap(\.nics).compactMap(\.mac)), Set(first.vms.flatMap(\.nics).compactMap(\.mac)))
    }

    func testAVNIIsFreeOnceTheHostsThatCarriedItReported() async throws {
        try await declareFacility(Fixture.facility(vniRange: 7000...7002))
        let first = try await store.materialize(id: "first", spec: Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a"), MaterializationSpec.Network(name: "b")],
            vms: [("v0", "hv0", [MaterializationSpec.NIC(network: "a")]),
                  ("v1", "hv2", [MaterializationSpec.NIC(network: "b")])])).materialization
        XCTAssertEqual(first.networks.map(\.vni), [7000, 7002])
        try await store.dematerialize(id: "first")

        // hv2 has not reported (it had only v1, on network b): network a's VNI, carried by hv0 alone, is free.
        let hv0 = try await store.generation(of: .hypervisor("hv0"))
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: hv0))
        let left = try await quarantinedItems()
        XCTAssertEqual(left, ["mac \(first.vms[1].nics[0].mac!) ", "tap \(first.vms[1].nics[0].tap!) hv2", "vni 7002 "])
        let freed = try await rows("""
            SELECT kind || ' ' || value AS line FROM plumb.allocation_history WHERE event = 'freed' ORDER BY id
            """).map { try $0.string("line") }
        XCTAssertEqual(freed, ["mac \(first.vms[0].nics[0].mac!)", "tap \(first.vms[0].nics[0].tap!)", "vni 7000"],
                       "freed per identifier, each when it became free")
        let again = try await store.materialize(id: "again", spec: Fixture.simple([.virtio], hypervisor: "hv1"))
        XCTAssertEqual(again.materialization.networks[0].vni, 7000)
    }

    func testAVFIsFreeOnceItsHypervisorReportedAndTheVLANWaitsForTheLeaf() async throws {
        let vfs = Fixture.spec(networks: [MaterializationSpec.Network(name: "a")],
                               vms: [("v0", "hv0", [MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno4"),
                                                    MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno4")])])
        let first = try await store.materialize(id: "first", spec: vfs).materialization
        let vlan = try XCTUnwrap(first.vms[0].nics[0].vlan)
        try await store.dematerialize(id: "first")

        // hv0 reports, leaf0 has not: the VFs, their MACs and eno4's pin are free; the tag and the VNI are not.
        let hv0 = try await store.generation(of: .hypervisor("hv0"))
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: hv0))
        let left = try await quarantinedItems()
        XCTAssertEqual(left, ["vlan \(vlan) leaf0", "vni 7000 "])
        try await declareFacility(Fixture.facility(vniRange: 7000...7002))
        let second = try await store.materialize(id: "second", spec: vfs).materialization
        XCTAssertEqual(second.vms[0].nics.compactMap(\.vfIndex), [0, 1], "eno4's VFs are handed out again")
        XCTAssertNotEqual(second.vms[0].nics[0].vlan, vlan, "the tag is still quarantined on leaf0")

        let leaf0 = try await store.generation(of: .leaf("leaf0"))
        try await store.reportStatus(.leaf("leaf0"), report: HostStatusReport(appliedGeneration: leaf0))
        let none = try await quarantinedItems()
        XCTAssertEqual(none, [], "the leaf's report frees the tag, and with it the VNI")
    }

    func testForceReleaseForAHostThatIsGone() async throws {
        _ = try await store.materialize(id: "first", spec: spec)
        try await store.dematerialize(id: "first")
        try await reportAllAppliedExcept("hv2")
        await assertVNIStillHeld()
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

    /// The only VNI is still held: even a materialization of one network without NICs is refused.
    private func assertVNIStillHeld(file: StaticString = #filePath, line: UInt = #line) async {
        await assertRefused(409, "pool_exhausted", field: "networks[0]", file: file, line: line) {
            _ = try await self.store.materialize(id: "network-only", spec: Fixture.spec(
                networks: [MaterializationSpec.Network(name: "a")], vms: []))
        }
    }

    /// The identifiers quarantined now, as 'kind value scope', sorted.
    private func quarantinedItems() async throws -> [String] {
        try await rows("""
            SELECT format('%s %s %s', kind, value, scope) AS line FROM plumb.current_allocations
            WHERE state = 'quarantined' ORDER BY 1
            """).map { try $0.string("line") }
    }

    private func reportAllAppliedExcept(_ name: String) async throws {
        for host in try await store.hosts().hosts where host.name != name {
            try await store.reportStatus(HostKey(kind: host.kind, name: host.name),
                                         report: HostStatusReport(appliedGeneration: host.generation))
        }
    }
}
