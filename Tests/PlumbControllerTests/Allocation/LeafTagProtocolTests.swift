@testable import PlumbController
import PlumbModel
import XCTest

final class LeafTagProtocolTests: XCTestCase {
    private typealias F = AllocationFixture
    private let dot1ad = F.snapshot(leafProtocol: .dot1ad)

    func testEveryVFPushesItsLeafsProtocol() {
        // leaf0 802.1Q: plain VFs on any NIC push 802.1Q, even on a NIC that could push 802.1ad.
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio), F.nic(.vfio, pf: "eno2")]))?.nics.map(\.vlanProtocol), [.dot1q, .dot1q])
        // leaf0 802.1ad: every VF pushes 802.1ad, with or without guest VLANs.
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio), F.nic(.vfio, pf: "eno4")]), dot1ad)?.nics.map(\.vlanProtocol), [.dot1ad, .dot1ad])
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio)], guestVlans: true), dot1ad)?.nics.map(\.vlanProtocol), [.dot1ad])
    }

    func testBehindAn8021adLeafOnlyNICsThatPush8021adGiveVFs() {
        // eno1 (first by name) cannot push 802.1ad: Plumb chooses eno2, then eno4 once eno2's 8 VFs are taken.
        let plan = F.plan(F.request(Array(repeating: F.nic(.vfio), count: 9)), dot1ad)
        XCTAssertEqual(plan?.nics.map(\.pf), Array(repeating: "eno2", count: 8) + ["eno4"])
        // Behind an 802.1Q leaf the same request starts with eno1.
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio)]))?.nics.map(\.pf), ["eno1"])
    }

    func testANamedNICThatCannotPush8021adIsRefused() {
        let refusal = F.assertRefused(422, "vlan_protocol_unsupported", field: "vms[0].nics[0].pf",
                                      F.request([F.nic(.vfio, pf: "eno1")]), dot1ad)
        XCTAssertEqual(refusal?.message, """
            leaf leaf0 behind hv0 is 802.1ad, so every VF behind it pushes 802.1ad; NIC eno1 of hv0 cannot push 802.1ad tags \
            (can_stack_vlans)
            """)
        // Behind an 802.1Q leaf it gives the VF.
        XCTAssertEqual(F.plan(F.request([F.nic(.vfio, pf: "eno1")]))?.nics[0].pf, "eno1")
    }

    func testNoNICThatPushes8021adIsRefusedAndAnExhaustedOneIsAPool() {
        // hv1's only SR-IOV NIC cannot push 802.1ad.
        let refusal = F.assertRefused(422, "vlan_protocol_unsupported", field: "vms[0].nics[0]",
                                      F.request([F.nic(.vfio)], hypervisor: "hv1"), dot1ad)
        XCTAssertTrue(refusal?.message.contains("no NIC of hv1 that can give a VF can push 802.1ad") == true, "\(String(describing: refusal))")
        // hv0's pushing NICs are full: the pool is exhausted, not the rule.
        var full = dot1ad
        full.hypervisors[0].nics[1].usedVfs = Array(0..<8)
        full.hypervisors[0].nics[3].usedVfs = [0, 1]
        let exhausted = F.assertRefused(409, "pool_exhausted", field: "vms[0].nics[0]", F.request([F.nic(.vfio)]), full)
        XCTAssertEqual(exhausted?.message, "VF pool of hv0 is exhausted: no SR-IOV NIC that pushes 802.1ad has a free VF")
    }

    func testGuestVLANsOnAVFOrPassthroughNICNeedAn8021adLeaf() {
        for nic in [F.nic(.vfio), F.nic(.vfio, pf: "eno2"), F.nic(.passthrough), F.nic(.passthrough, pf: "eno3")] {
            let refusal = F.assertRefused(422, "guest_vlans_unsupported", field: "vms[0].nics[0]", F.request([nic], guestVlans: true))
            XCTAssertEqual(refusal?.message, """
                network net carries guest VLAN tags and leaf leaf0 behind hv0 is 802.1Q: the guests' tags would meet the leaf's \
                own; use virtio, or a hypervisor behind an 802.1ad leaf
                """)
        }
        // Behind an 802.1ad leaf: a VF stacks its S-tag over the guest's, a passthrough NIC is a QinQ access port.
        let plan = F.plan(F.request([F.nic(.vfio), F.nic(.passthrough)], guestVlans: true), dot1ad)
        XCTAssertEqual(plan?.nics.map(\.pf), ["eno2", "eno3"])
        XCTAssertEqual(plan?.nics.map(\.vlanProtocol), [.dot1ad, nil])
    }

    func testVirtioCarriesGuestTagsOnAnyLeaf() {
        XCTAssertNotNil(F.plan(F.request([F.nic()], hypervisor: "hv1", guestVlans: true)))
        XCTAssertNotNil(F.plan(F.request([F.nic()], hypervisor: "hv1", guestVlans: true), dot1ad))
    }
}
