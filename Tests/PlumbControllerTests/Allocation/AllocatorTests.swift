@testable import PlumbController
import PlumbModel
import XCTest

/// The allocator as a whole: what it checks first, and the shape of a plan.
final class AllocatorTests: XCTestCase {
    private typealias F = AllocationFixture

    func testUnknownHypervisorsAndPFsAreInconsistentFields() {
        F.assertRefused(422, "inconsistent_field", field: "vms[0].hypervisor", F.request([F.nic()], hypervisor: "hv9"))
        F.assertRefused(422, "inconsistent_field", field: "vms[0].nics[0].pf", F.request([F.nic(.vfio, pf: "eno9")]))
    }

    func testRefusalsFollowRequestOrderThenRuleOrder() {
        // NIC 0 breaks a rule checked late (its VF index), NIC 1 a rule checked early: NIC 1 is refused.
        var nics = F.snapshot().hypervisors[0].nics
        nics[3].usedVfs = [0, 1]
        F.assertRefused(422, "no_sriov", field: "vms[0].nics[1].pf", F.request([F.nic(.vfio, pf: "eno4"), F.nic(.vfio, pf: "eno3")]),
                        F.snapshot(hv0: nics))
    }

    func testExactlyTheFieldsOfEachMechanism() throws {
        let plan = try XCTUnwrap(F.plan(F.request([F.nic(), F.nic(.vfio, pf: "eno2"), F.nic(.passthrough, pf: "eno3")])))
        let virtio = plan.nics[0], vf = plan.nics[1], whole = plan.nics[2]
        XCTAssertNotNil(virtio.tap)
        XCTAssertNil(virtio.pf ?? virtio.leaf)
        XCTAssertNil(virtio.vlan)
        XCTAssertEqual([vf.pf, vf.leaf], ["eno2", "leaf0"])
        XCTAssertEqual(vf.vfIndex, 0)
        XCTAssertNotNil(vf.mac)
        XCTAssertNil(vf.tap)
        XCTAssertEqual([whole.pf, whole.leaf], ["eno3", "leaf0"])
        XCTAssertNil(whole.vfIndex ?? whole.mac.map { _ in 0 })
        XCTAssertNil(whole.vlanProtocol)
        XCTAssertEqual(plan.nics.map(\.nic), ["eth0", "eth1", "eth2"])
    }

    func testTheSameInputGivesTheSamePlan() throws {
        let request = F.request([F.nic(), F.nic(.vfio), F.nic(.passthrough)])
        XCTAssertEqual(try Allocator.allocate(request, in: F.snapshot()), try Allocator.allocate(request, in: F.snapshot()))
    }
}
