import PlumbController
import PlumbModel
import XCTest

/// One MTU per network, through the database: decided at allocation, stored, served in desired states and answers,
/// and kept by facility changes.
final class NetworkMTUStoreTests: StoreTestCase {
    /// hv0's underlay is 9000, hv1's and hv2's 1500 (Fixture); leaf0 may get a limit.
    private func facility(leaf0MTU: Int? = nil, hv0Underlay: Int = 9000) -> Facility {
        var facility = Fixture.facility()
        facility.leaves[0].mtu = leaf0MTU
        facility.hypervisors[0].underlayMtu = hv0Underlay
        return facility
    }

    func testEachNetworkHasTheSmallestMTUOfTheHostsCarryingItEverywhere() async throws {
        try await declareFacility()
        let spec = Fixture.spec(
            networks: [.init(name: "wide"), .init(name: "narrow")],
            vms: [("a", "hv0", [.init(network: "wide"), .init(network: "narrow")]),
                  ("b", "hv1", [.init(network: "narrow")])])
        let answer = try await store.materialize(id: "exp", spec: spec).materialization
        XCTAssertEqual(answer.networks.map(\.mtu), [8950, 1450])
        XCTAssertEqual(answer.vms.flatMap(\.nics).map(\.mtu), [8950, 1450, 1450])
        let stored = try await store.materialization(id: "exp")
        XCTAssertEqual(stored, answer)

        let hv0 = try await store.hostDesiredState(host: "hv0")
        let hv1 = try await store.hostDesiredState(host: "hv1")
        let wide = answer.networks[0].vni, narrow = answer.networks[1].vni
        XCTAssertEqual(hv0.networks.first { $0.vni == wide }?.mtu, 8950)
        XCTAssertEqual(hv0.networks.first { $0.vni == narrow }?.mtu, 1450)
        XCTAssertEqual(hv1.networks.map(\.mtu), [1450])
    }

    func testALeafLimitsTheNetworksOfItsVFAndPassthroughMembersOnly() async throws {
        try await declareFacility(facility(leaf0MTU: 4000))
        let spec = Fixture.spec(
            networks: [.init(name: "vf"), .init(name: "virtio")],
            vms: [("a", "hv0", [.init(network: "vf", mechanism: .vfio, pf: "eno2"), .init(network: "virtio")])])
        let answer = try await store.materialize(id: "exp", spec: spec).materialization
        XCTAssertEqual(answer.networks.map(\.mtu), [4000, 8950])
        let stored = try await store.materialization(id: "exp")
        XCTAssertEqual(stored, answer)
    }

    func testAFacilityChangeThatWouldLowerALiveNetworkIsRefusedAndChangesNothing() async throws {
        try await declareFacility(facility(leaf0MTU: 9000))
        _ = try await store.materialize(id: "exp", spec: Fixture.spec(
            networks: [.init(name: "net")],
            vms: [("a", "hv0", [.init(network: "net"), .init(network: "net", mechanism: .vfio, pf: "eno2")])]))
        let before = try await allocationSnapshot()

        await assertRefused(409, "in_use", field: "hypervisors[0].underlay_mtu") {
            try await self.store.putFacility(self.facility(leaf0MTU: 9000, hv0Underlay: 1500))
        }
        await assertRefused(409, "in_use", field: "leaves[0].mtu") {
            try await self.store.putFacility(self.facility(leaf0MTU: 1500))
        }
        let after = try await allocationSnapshot()
        XCTAssertEqual(before, after)
        let declared = try await store.facility()
        XCTAssertEqual(declared.leaves[0].mtu, 9000)

        // Raising, or removing the leaf's limit, keeps the network's MTU; lowering a host that does not carry it is fine.
        var raised = facility(hv0Underlay: 9216)
        raised.hypervisors[1].underlayMtu = 1280
        try await store.putFacility(raised)
        let kept = try await store.materialization(id: "exp")
        XCTAssertEqual(kept.networks.map(\.mtu), [8950])
        let hv0 = try await store.hostDesiredState(host: "hv0")
        XCTAssertEqual(hv0.networks.map(\.mtu), [8950])

        // Once the network is released, its MTU binds nobody.
        try await store.dematerialize(id: "exp")
        try await store.putFacility(facility(hv0Underlay: 1500))
    }
}
