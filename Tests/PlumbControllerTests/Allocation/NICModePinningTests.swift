@testable import PlumbController
import PlumbModel
import XCTest

final class NICModePinningTests: XCTestCase {
    private typealias F = AllocationFixture

    func testANonMixingUnderlayServingVirtioGivesNoVF() {
        F.assertRefused(422, "mode_pinned", field: "vms[0].nics[0].pf", F.request([F.nic(.vfio, pf: "eno1")]), F.snapshot(hv0HasVirtio: true))
        // Within one request the VF is the one refused.
        F.assertRefused(422, "mode_pinned", field: "vms[0].nics[1].pf", F.request([F.nic(), F.nic(.vfio, pf: "eno1")]))
        // Other NICs of the host are not pinned.
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio, pf: "eno2")]), F.snapshot(hv0HasVirtio: true))?.nics[0].pf, "eno2")
    }

    func testANonMixingUnderlayWithVFsRefusesVirtioUntilEmpty() {
        var nics = F.snapshot().hypervisors[0].nics
        nics[0].usedVfs = [0]
        let refusal = F.assertRefused(422, "mode_pinned", field: "vms[0].nics[0]", F.request([F.nic()]), F.snapshot(hv0: nics))
        XCTAssertTrue(refusal?.message.contains("pinned to vfio") == true)
        nics[0].usedVfs = []
        XCTAssertNotNil(F.plan(F.request([F.nic()]), F.snapshot(hv0: nics)))
    }

    func testAPassedThroughUnderlayRefusesVirtio() {
        var nics = F.snapshot().hypervisors[0].nics
        nics[0].passedThroughTo = "other"
        let refusal = F.assertRefused(422, "mode_pinned", field: "vms[0].nics[0]", F.request([F.nic()]), F.snapshot(hv0: nics))
        XCTAssertTrue(refusal?.message.contains("passed through to materialization other") == true)
    }

    func testAMixingUnderlayServesBoth() {
        let plan = F.plan(F.request([F.nic(), F.nic(.vfio, pf: "eno1")], hypervisor: "hv1"))
        XCTAssertEqual(plan?.nics.map(\.mechanism), [.virtio, .vfio])
    }

    func testUnnamedVFsAvoidAPinnedUnderlay() {
        let plan = F.plan(F.request([F.nic(), F.nic(.vfio)]))
        XCTAssertEqual(plan?.nics[1].pf, "eno2")
    }
}
