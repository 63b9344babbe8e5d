@testable import PlumbController
import PlumbModel
import XCTest

final class PFChoiceTests: XCTestCase {
    private typealias F = AllocationFixture

    func testVFsFillNICsInNameOrder() {
        // hv0 has no virtio, so eno1 (4 VFs) takes the first four, then eno2 (802.1Q leaf: any SR-IOV NIC may give VFs).
        let plan = F.plan(F.request(Array(repeating: F.nic(.vfio), count: 6)))
        XCTAssertEqual(plan?.nics.map(\.pf), ["eno1", "eno1", "eno1", "eno1", "eno2", "eno2"])
    }

    func testAnExhaustedVFPoolIsAConflictNotARule() {
        let nics = [AllocationSnapshot.PF(name: "eno1", pciAddress: F.pci(9), vfLimit: 1, usedVfs: [0])]
        let refusal = F.assertRefused(409, "pool_exhausted", field: "vms[0].nics[0]", F.request([F.nic(.vfio)]), F.snapshot(hv0: nics))
        XCTAssertEqual(refusal?.message, "VF pool of hv0 is exhausted: no SR-IOV NIC has a free VF")
        XCTAssertEqual(refusal?.pool, "vf:hv0")
    }

    func testNoSRIOVNICIsARule() {
        F.assertRefused(422, "no_sriov", field: "vms[0].nics[0]", F.request([F.nic(.vfio)]),
                        F.snapshot(hv0: [AllocationSnapshot.PF(name: "eno1", pciAddress: F.pci(9), passthrough: true)]))
    }

    func testAPFNamedForPassthroughGivesNoVF() {
        let plan = F.plan(F.request([F.nic(.passthrough, pf: "eno4"), F.nic(.vfio)], guestVlans: true), F.snapshot(leafProtocol: .dot1ad))
        XCTAssertEqual(plan?.nics.map(\.pf), ["eno4", "eno2"])
    }
}
