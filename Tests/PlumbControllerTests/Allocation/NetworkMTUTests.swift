@testable import PlumbController
import PlumbModel
import XCTest

final class NetworkMTUTests: XCTestCase {
    private typealias F = AllocationFixture

    func testTheSmallestOverlayMTUAmongTheHypervisorsWins() {
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [9000, 1500, 9000])), 1450)
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [9000])), 9000 - Limits.vxlanOverhead)
    }

    func testALeafLimitsOnlyWhenItIsLower() {
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [9000], leafMTUs: [4000, nil])), 4000)
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [1500], leafMTUs: [9000])), 1450)
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [9000], leafMTUs: [nil])), 8950)
    }

    /// A guest's own tag travels inside the VXLAN payload and over the leaf's ports: a guest-VLAN network leaves it room,
    /// whichever limit is the smallest.
    func testAGuestVLANNetworkLeavesRoomForTheGuestsTag() {
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [1500], guestVlans: true)), 1500 - Limits.vxlanOverhead - Limits.guestTagLength)
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [9000], leafMTUs: [4000], guestVlans: true)), 3996)
        XCTAssertEqual(NetworkMTU.mtu(.init(underlayMTUs: [9000], leafMTUs: [4000], guestVlans: false)), 4000)
    }

    func testANetworkNoHypervisorCarriesHasNoMTU() {
        XCTAssertNil(NetworkMTU.mtu(.init(underlayMTUs: [], leafMTUs: [1000])))
    }

    func testTheAllocatorGivesEachNetworkItsMTU() {
        var snapshot = F.snapshot()
        snapshot.hypervisors[0].underlayMtu = 9000
        snapshot.hypervisors[1].underlayMtu = 1600
        snapshot.leaves[0].mtu = 3000
        let spec = MaterializationSpec(
            networks: [.init(name: "virtio"), .init(name: "vf"), .init(name: "both"), .init(name: "empty")],
            vms: [.init(name: "a", hypervisor: "hv0", nics: [.init(network: "virtio"), .init(network: "vf", mechanism: .vfio, pf: "eno2"),
                                                             .init(network: "both")]),
                  .init(name: "b", hypervisor: "hv1", nics: [.init(network: "both")])])
        let request = AllocationRequest(id: "exp", spec: try! SpecValidation.validate(id: "exp", spec: spec))
        let plan = F.plan(request, snapshot)
        XCTAssertEqual(plan?.networks.map(\.mtu), [8950, 3000, 1550, nil])
    }

    func testLoweringALiveNetworkIsRefusedNamingWhatLowersIt() {
        let facility = Facility(
            vniRanges: [.init(first: 1, last: 10)],
            leaves: [.init(name: "leaf0", vtepIp: IPv4Address("198.18.0.1")!, vlanRange: .init(first: 2, last: 9), mtu: 1400)],
            hypervisors: [.init(name: "hv0", vtepIp: IPv4Address("198.18.1.1")!, leaf: "leaf0", underlayMtu: 9000),
                          .init(name: "hv1", vtepIp: IPv4Address("198.18.1.2")!, leaf: "leaf0", underlayMtu: 1500)])
        let network = NetworkMTU.StoredNetwork(materialization: "exp", network: "net", mtu: 8950, guestVlans: false,
                                               hypervisors: [.init(name: "hv0", underlayMtu: 9000), .init(name: "hv1", underlayMtu: 1500)],
                                               leaves: [])
        let refusal = NetworkMTU.loweringRefusal([network], in: facility)
        XCTAssertEqual(refusal?.status, 409)
        XCTAssertEqual(refusal?.code, "in_use")
        XCTAssertEqual(refusal?.field, "hypervisors[1].underlay_mtu")
        XCTAssertTrue(refusal?.message.contains("network net of materialization exp has MTU 8950") ?? false, "\(String(describing: refusal))")

        var viaLeaf = network
        viaLeaf.hypervisors = [.init(name: "hv0", underlayMtu: 9000)]
        viaLeaf.leaves = [.init(name: "leaf0", mtu: 1400)]
        XCTAssertEqual(NetworkMTU.loweringRefusal([viaLeaf], in: facility)?.field, "leaves[0].mtu")

        var unchanged = viaLeaf
        unchanged.leaves = []
        XCTAssertNil(NetworkMTU.loweringRefusal([unchanged], in: facility))
        viaLeaf.mtu = 1400
        XCTAssertNil(NetworkMTU.loweringRefusal([viaLeaf], in: facility))

        // A guest-VLAN network at 1396 behind that leaf keeps its MTU; at 1400 it would have to go lower, and the
        // leaf is named: it leaves 1396 once the guest's tag has its room.
        var guestTagged = viaLeaf
        guestTagged.guestVlans = true
        guestTagged.mtu = 1396
        XCTAssertNil(NetworkMTU.loweringRefusal([guestTagged], in: facility))
        guestTagged.mtu = 1400
        XCTAssertEqual(NetworkMTU.loweringRefusal([guestTagged], in: facility)?.field, "leaves[0].mtu")
    }
}
