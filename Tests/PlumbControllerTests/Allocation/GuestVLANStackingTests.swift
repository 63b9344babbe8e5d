@testable import PlumbController
import PlumbModel
import XCTest

final class GuestVLANStackingTests: XCTestCase {
    private typealias F = AllocationFixture

    func testANamedNICThatCannotStackIsRefused() {
        let refusal = F.assertRefused(422, "guest_vlans_unsupported", field: "vms[0].nics[0].pf",
                                      F.request([F.nic(.vfio, pf: "eno1")], guestVlans: true))
        XCTAssertEqual(refusal?.message,
                       "network net carries guest VLAN tags and NIC eno1 of hv0 cannot stack VLAN tags (802.1ad): use virtio")
    }

    func testNoStackingNICOnTheHypervisorIsRefused() {
        F.assertRefused(422, "guest_vlans_unsupported", field: "vms[0].nics[0]", F.request([F.nic(.vfio)], hypervisor: "hv1", guestVlans: true))
    }

    func testStackingVFsGet8021adAndOthers8021Q() {
        let stacked = F.plan(F.request([F.nic(.vfio)], guestVlans: true))?.nics[0]
        XCTAssertEqual(stacked?.pf, "eno2")
        XCTAssertEqual(stacked?.vlanProtocol, .dot1ad)
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio)]))?.nics[0].vlanProtocol, .dot1q)
    }

    func testVirtioCarriesGuestTags() {
        XCTAssertNotNil(F.plan(F.request([F.nic()], hypervisor: "hv1", guestVlans: true)))
    }
}
