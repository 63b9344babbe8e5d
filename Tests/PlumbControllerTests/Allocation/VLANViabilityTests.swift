@testable import PlumbController
import PlumbModel
import XCTest

final class VLANViabilityTests: XCTestCase {
    private typealias F = AllocationFixture

    func testOneTagPerLeafAndNetworkSkippingReservedAndUsed() {
        let plan = F.plan(F.request([F.nic(.vfio, pf: "eno2", network: "a"), F.nic(.passthrough, pf: "eno3", network: "a"),
                                     F.nic(.vfio, pf: "eno2", network: "b"), F.nic(network: "b")], networks: ["a", "b"]),
                          F.snapshot(usedVlans: [102]))
        XCTAssertEqual(plan?.nics.map(\.vlan), [103, 103, 104, nil])
        XCTAssertEqual(plan?.vlans, [AllocationPlan.VLAN(network: "a", leaf: "leaf0", vlan: 103),
                                     AllocationPlan.VLAN(network: "b", leaf: "leaf0", vlan: 104)])
        XCTAssertEqual(plan?.nics.map(\.leaf), ["leaf0", "leaf0", "leaf0", nil])
    }

    func testAnExhaustedLeafIsRefusedAtTheFirstNICWithoutATag() {
        let refusal = F.assertRefused(409, "pool_exhausted", field: "vms[0].nics[0]", F.request([F.nic(.passthrough, pf: "eno3")]),
                                      F.snapshot(usedVlans: Array(102...109)))
        XCTAssertEqual(refusal?.message, "VLAN pool of leaf leaf0 is exhausted: no free tag for network net")
        XCTAssertEqual(refusal?.pool, "vlan:leaf0")
    }

    func testVirtioNeedsNoTag() {
        XCTAssertEqual(F.plan(F.request([F.nic()]), F.snapshot(usedVlans: Array(102...109)))?.vlans, [])
    }
}
