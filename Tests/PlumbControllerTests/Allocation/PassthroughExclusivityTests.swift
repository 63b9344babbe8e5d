@testable import PlumbController
import PlumbModel
import XCTest

final class PassthroughExclusivityTests: XCTestCase {
    private typealias F = AllocationFixture

    func testAPFIsPassedThroughToOneNICOnly() {
        F.assertRefused(422, "passthrough_shared", field: "vms[0].nics[1].pf",
                        F.request([F.nic(.passthrough, pf: "eno3"), F.nic(.passthrough, pf: "eno3")]))
        var nics = F.snapshot().hypervisors[0].nics
        nics[2].passedThroughTo = "first"
        let refusal = F.assertRefused(409, "pf_in_use", field: "vms[0].nics[0].pf", F.request([F.nic(.passthrough, pf: "eno3")]),
                                      F.snapshot(hv0: nics))
        XCTAssertTrue(refusal?.message.contains("materialization first") == true)
    }

    func testAPFWithVFsIsNotPassedThroughAndViceVersa() {
        // Within one request the passthrough NIC is refused, whatever the order.
        F.assertRefused(409, "pf_in_use", field: "vms[0].nics[1].pf", F.request([F.nic(.vfio, pf: "eno4"), F.nic(.passthrough, pf: "eno4")]))
        F.assertRefused(409, "pf_in_use", field: "vms[0].nics[0].pf", F.request([F.nic(.passthrough, pf: "eno4"), F.nic(.vfio, pf: "eno4")]))
        var nics = F.snapshot().hypervisors[0].nics
        nics[3].usedVfs = [1]
        F.assertRefused(409, "pf_in_use", field: "vms[0].nics[0].pf", F.request([F.nic(.passthrough, pf: "eno4")]), F.snapshot(hv0: nics))
        nics[3].usedVfs = []
        nics[3].passedThroughTo = "pt"
        F.assertRefused(409, "pf_in_use", field: "vms[0].nics[0].pf", F.request([F.nic(.vfio, pf: "eno4")]), F.snapshot(hv0: nics))
    }

    func testOnlyCapableNICsArePassedThrough() {
        F.assertRefused(422, "not_passthrough_capable", field: "vms[0].nics[0].pf", F.request([F.nic(.passthrough, pf: "eno2")]))
        F.assertRefused(422, "not_passthrough_capable", field: "vms[0].nics[0]", F.request([F.nic(.passthrough)], hypervisor: "hv1"))
    }

    func testTheUnderlayOfVirtioNICsIsNotPassedThrough() {
        var nics = F.snapshot().hypervisors[0].nics
        nics[0].passthrough = true
        F.assertRefused(422, "pf_in_use", field: "vms[0].nics[0].pf", F.request([F.nic(.passthrough, pf: "eno1")]),
                        F.snapshot(hv0: nics, hv0HasVirtio: true))
        XCTAssertNotNil(F.plan(F.request([F.nic(.passthrough, pf: "eno1")]), F.snapshot(hv0: nics)))
    }

    func testUnnamedPassthroughTakesFreeCapableNICsByName() {
        let plan = F.plan(F.request([F.nic(.passthrough), F.nic(.passthrough)]))
        XCTAssertEqual(plan?.nics.map(\.pf), ["eno3", "eno4"])
        XCTAssertEqual(plan?.nics.map(\.mac), [nil, nil], "a passthrough NIC keeps its own MAC")
        let refusal = F.assertRefused(409, "pool_exhausted", field: "vms[0].nics[2]",
                                      F.request([F.nic(.passthrough), F.nic(.passthrough), F.nic(.passthrough)]))
        XCTAssertEqual(refusal?.pool, "passthrough:hv0")
        // A PF named for VFs in the request is not free for passthrough.
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio, pf: "eno4"), F.nic(.passthrough)]))?.nics.map(\.pf), ["eno4", "eno3"])
    }
}
