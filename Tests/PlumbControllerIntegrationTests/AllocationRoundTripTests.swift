import PlumbController
import PlumbModel
import XCTest

/// All allocation for one materialization costs the same round trips however many NICs it has.
final class AllocationRoundTripTests: StoreTestCase {
    private func spec(nics count: Int) -> MaterializationSpec {
        // A mix of every mechanism: virtio NICs spread over VMs on two hypervisors, VFs on hv1,
        // and one passthrough NIC.
        let networks = (0..<4).map { MaterializationSpec.Network(name: "net\($0)") }
        var vms: [(String, String, [MaterializationSpec.NIC])] = []
        var remaining = count
        var index = 0
        while remaining > 0 {
            let take = min(remaining, 10)
            let hypervisor = index % 2 == 0 ? "hv0" : "hv2"
            vms.append(("vm\(index)", hypervisor, (0..<take).map { MaterializationSpec.NIC(network: "net\($0 % 4)") }))
            remaining -= take
            index += 1
        }
        vms[0].2[0] = MaterializationSpec.NIC(network: "net0", mechanism: .vfio, pf: "eno2")
        vms[0].2[1] = MaterializationSpec.NIC(network: "net1", mechanism: .passthrough)
        return Fixture.spec(networks: networks, vms: vms)
    }

    private func roundTrips(_ body: () async throws -> Void) async throws -> Int {
        let before = pool.roundTrips
        try await body()
        return pool.roundTrips - before
    }

    func testMaterializingCostsAConstantNumberOfRoundTrips() async throws {
        try await declareFacility()
        // Warm the pool's connections so that connection set-up is not counted.
        _ = try await store.facility()

        let small = try await roundTrips { _ = try await self.store.materialize(id: "small", spec: self.spec(nics: 2)) }
        try await store.dematerialize(id: "small")
        try await reportAllApplied()
        let large = try await roundTrips {
            let answer = try await self.store.materialize(id: "large", spec: self.spec(nics: 200))
            XCTAssertEqual(answer.materialization.vms.flatMap(\.nics).count, 200)
        }
        XCTAssertEqual(small, large)
        XCTAssertLessThanOrEqual(large, 5)
        print("materialize round trips: 2 NICs \(small), 200 NICs \(large)")

        let delete = try await roundTrips { try await self.store.dematerialize(id: "large") }
        XCTAssertLessThanOrEqual(delete, 5)
    }
}
