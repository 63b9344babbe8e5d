@testable import PlumbController
import PlumbModel
import XCTest

final class VFLimitTests: XCTestCase {
    private typealias F = AllocationFixture

    func testLowestFreeIndicesBelowTheLimit() {
        var nics = F.snapshot().hypervisors[0].nics
        nics[1].usedVfs = [0, 2]
        let plan = F.plan(F.request([F.nic(.vfio, pf: "eno2"), F.nic(.vfio, pf: "eno2"), F.nic(.vfio, pf: "eno2")]), F.snapshot(hv0: nics))
        XCTAssertEqual(plan?.nics.map(\.vfIndex), [1, 3, 4])
    }

    func testANamedPFOutOfVFsIsRefusedAtItsPF() {
        var nics = F.snapshot().hypervisors[0].nics
        nics[3].usedVfs = [0, 1]  // eno4 has 2
        let refusal = F.assertRefused(409, "vf_limit", field: "vms[0].nics[1].pf", F.request([F.nic(), F.nic(.vfio, pf: "eno4")]),
                                      F.snapshot(hv0: nics))
        XCTAssertEqual(refusal?.message, "VF pool of hv0/eno4 is exhausted: VF limit 2, 2 in use or quarantined")
    }

    func testTheRequestItselfCountsAgainstTheLimit() {
        F.assertRefused(409, "vf_limit", field: "vms[0].nics[2].pf",
                        F.request([F.nic(.vfio, pf: "eno4"), F.nic(.vfio, pf: "eno4"), F.nic(.vfio, pf: "eno4")]))
    }

    func testAPFWithoutSRIOVGivesNoVF() {
        F.assertRefused(422, "no_sriov", field: "vms[0].nics[0].pf", F.request([F.nic(.vfio, pf: "eno3")]))
    }
}
