@testable import PlumbController
import PlumbModel
import XCTest

final class LiveLeafDevicesTests: XCTestCase {
    /// leaf0 (idle) and leaf1 (802.1ad, its own devices), as declared before the change.
    private func facility() -> Facility {
        Facility(
            vniRanges: [Facility.NumberRange(first: 5000, last: 5999)],
            leaves: [
                Facility.Leaf(name: "leaf0", vtepIp: IPv4Address("198.18.0.1")!, vlanRange: Facility.NumberRange(first: 100, last: 199)),
                Facility.Leaf(name: "leaf1", vtepIp: IPv4Address("198.18.0.2")!, vlanRange: Facility.NumberRange(first: 100, last: 199),
                              bridge: "br-qinq", vxlanDevice: "vx-qinq", vlanProtocol: .dot1ad),
            ],
            hypervisors: [])
    }

    /// leaf1 carries a VLAN.
    private let live = [LiveLeafDevices.Leaf(name: "leaf1", bridge: "br-qinq", vxlanDevice: "vx-qinq", vlanProtocol: .dot1ad,
                                             holder: "VLAN 100 is held by materialization exp (network a)")]

    private func refusal(_ change: (inout Facility) -> Void) -> APIError? {
        var changed = facility()
        change(&changed)
        return LiveLeafDevices.changeRefusal(live, in: changed)
    }

    func testALeafWithVLANsKeepsItsProtocolAndDevices() throws {
        let error = try XCTUnwrap(refusal { $0.leaves[1].vlanProtocol = .dot1q })
        XCTAssertEqual(error.status, 409)
        XCTAssertEqual(error.code, "in_use")
        XCTAssertEqual(error.field, "leaves[1].vlan_protocol")
        XCTAssertEqual(error.message, """
            leaf leaf1 is in use (VLAN 100 is held by materialization exp (network a)); its vlan_protocol cannot change while \
            it carries VLANs: dematerialize them first
            """)
        XCTAssertEqual(refusal { $0.leaves[1].bridge = "plumbleaf" }?.field, "leaves[1].bridge")
        XCTAssertEqual(refusal { $0.leaves[1].vxlanDevice = "plumbvx" }?.field, "leaves[1].vxlan_device")
        // The field is the leaf's place in the new document.
        XCTAssertEqual(refusal { $0.leaves.swapAt(0, 1); $0.leaves[0].vxlanDevice = "plumbvx" }?.field, "leaves[0].vxlan_device")
    }

    func testWhatALeafWithVLANsMayChangeAndWhatIdleLeavesMay() {
        XCTAssertNil(LiveLeafDevices.changeRefusal(live, in: facility()))
        XCTAssertNil(refusal {
            $0.leaves[1].mtu = 9000
            $0.leaves[1].underlayPort = "swp32"
            $0.leaves[0].vlanProtocol = .dot1ad
            $0.leaves[0].bridge = "br0"
            $0.leaves[0].vxlanDevice = "vx0"
        })
        // A leaf dropped altogether is the database's to refuse (it knows what holds it).
        XCTAssertNil(refusal { $0.leaves.removeLast() })
    }
}
