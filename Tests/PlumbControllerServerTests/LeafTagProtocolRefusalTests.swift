import Foundation
import PlumbModel
import XCTest

/// The leaf's tag protocol on the wire: guest VLANs behind an 802.1Q leaf, a NIC that cannot push an 802.1ad leaf's
/// tags, and a facility change of a leaf that carries VLANs are refused with the error envelope naming the field, and
/// change nothing.
final class LeafTagProtocolRefusalTests: ServerTestCase {
    /// Sends `body` to `path`; checks status, code, field and that the message holds `mentions`; the database must be as before.
    private func assertRefused(_ method: String, _ path: String, _ body: Data, status: Int, code: String, field: String,
                               mentions: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let before = try await databaseSnapshot()
        let response = try raw(method, path, body: body)
        XCTAssertEqual(response.status, status, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", file: file, line: line)
        let error = try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
        XCTAssertTrue(error.message.contains(mentions), "\(error)", file: file, line: line)
        let after = try await databaseSnapshot()
        XCTAssertEqual(after, before, "the refused request changed the database", file: file, line: line)
    }

    private func facility(_ vlanProtocol: VLANProtocol) -> Facility {
        var facility = TestFacility.facility()
        facility.leaves[0].vlanProtocol = vlanProtocol
        return facility
    }

    /// One guest-VLAN network, one VM on hv0 with these NICs.
    private func guestVLANSpec(_ nics: [MaterializationSpec.NIC]) throws -> Data {
        try PlumbJSON.encode(MaterializationSpec(networks: [MaterializationSpec.Network(name: "net", guestVlans: true)],
                                                 vms: [MaterializationSpec.VM(name: "vm", hypervisor: "hv0", nics: nics)]))
    }

    func testGuestVLANsBehindAn8021QLeafAre422NamingTheNICAndTheLeaf() async throws {
        _ = try admin.putFacility(facility(.dot1q))
        for nic in [MaterializationSpec.NIC(network: "net", mechanism: .vfio), MaterializationSpec.NIC(network: "net", mechanism: .passthrough)] {
            try await assertRefused("PUT", "/v1/materializations/tagged", try guestVLANSpec([nic]), status: 422,
                                    code: "guest_vlans_unsupported", field: "vms[0].nics[0]", mentions: "leaf leaf0")
        }
        // Virtio carries the guests' tags.
        XCTAssertEqual(try raw("PUT", "/v1/materializations/tagged", body: try guestVLANSpec([.init(network: "net")])).status, 201)
    }

    func testANICThatCannotPushAn8021adLeafsTagsIs422NamingThePF() async throws {
        // hv0's only SR-IOV NIC, eth0, cannot push 802.1ad.
        _ = try admin.putFacility(facility(.dot1ad))
        try await assertRefused("PUT", "/v1/materializations/vf", try PlumbJSON.encode(TestFacility.spec([.vfio])), status: 422,
                                code: "vlan_protocol_unsupported", field: "vms[0].nics[0]", mentions: "leaf leaf0")
        var named = TestFacility.spec([.vfio])
        named.vms[0].nics[0].pf = "eth0"
        try await assertRefused("PUT", "/v1/materializations/vf", try PlumbJSON.encode(named), status: 422,
                                code: "vlan_protocol_unsupported", field: "vms[0].nics[0].pf", mentions: "NIC eth0 of hv0")
    }

    func testALeafThatCarriesVLANsKeepsItsProtocolAndDevices() async throws {
        _ = try admin.putFacility(facility(.dot1q))
        _ = try cogs.materialize(id: "vf", spec: TestFacility.spec([.vfio]))
        var renamed = facility(.dot1q)
        renamed.leaves[0].vxlanDevice = "vx-other"
        for (changed, field) in [(facility(.dot1ad), "leaves[0].vlan_protocol"), (renamed, "leaves[0].vxlan_device")] {
            try await assertRefused("PUT", "/v1/facility", try PlumbJSON.encode(changed), status: 409, code: "in_use", field: field,
                                    mentions: "materialization vf")
            XCTAssertEqual(try admin.facility(), facility(.dot1q))
        }
    }
}
