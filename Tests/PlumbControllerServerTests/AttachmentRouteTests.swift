import Foundation
import PlumbController
import PlumbHTTPClient
import PlumbModel
import XCTest

/// `GET /v1/materializations/{id}/vms/{vm}/attachments`: one VM's attachments, as its hypervisor reported them,
/// rendered for QEMU, libvirt or as JSON.
final class AttachmentRouteTests: ServerTestCase {
    private let path = "/v1/materializations/exp/vms/vm/attachments"

    /// Materializes a virtio and a VF NIC on hv0; returns the answer.
    private func materialize() async throws -> Materialization {
        try await store.putFacility(TestFacility.facility())
        return try await store.materialize(id: "exp", spec: TestFacility.spec([.virtio, .vfio])).materialization
    }

    /// What hv0's agent reports for the two NICs.
    private func report(_ answer: Materialization) -> [Attachment] {
        let (tap, vf) = (answer.vms[0].nics[0], answer.vms[0].nics[1])
        return [Attachment(materialization: "exp", vm: "vm", nic: tap.name, kind: .tap, mac: tap.mac, mtu: tap.mtu, tap: tap.tap,
                           tapIfindex: 12),
                Attachment(materialization: "exp", vm: "vm", nic: vf.name, kind: .vf, mac: vf.mac, pf: vf.pf, vfIndex: vf.vfIndex,
                           pciAddress: PCIAddress("0000:01:00.2"), iommuGroup: 31)]
    }

    func testTheRouteRendersWhatTheHypervisorReportedOnceItAppliedTheMaterialization() async throws {
        let answer = try await materialize()
        XCTAssertEqual(answer.networks[0].mtu, 1450)

        // Not applied yet: 409 naming the NICs, whatever the format.
        for format in ["", "?format=qemu"] {
            let early = try raw("GET", path + format, token: Self.cogsToken)
            XCTAssertEqual(early.status, 409)
            let error = try PlumbJSON.decode(APIError.Envelope.self, from: early.body).error
            XCTAssertEqual(error.code, "not_reported")
            XCTAssertTrue(error.message.contains("eth0, eth1"), error.message)
        }

        let attachments = report(answer)
        let generation = try await store.generation(of: .hypervisor("hv0"))
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: generation, attachments: attachments))

        let json = try raw("GET", path, token: Self.cogsToken)
        XCTAssertEqual(json.status, 200)
        XCTAssertEqual(try PlumbJSON.decode([Attachment].self, from: json.body), attachments)
        XCTAssertEqual(try raw("GET", path + "?format=json").body, json.body)

        let qemu = try raw("GET", path + "?format=qemu", token: Self.cogsToken)
        XCTAssertEqual(qemu.status, 200)
        XCTAssertEqual(qemu.header("content-type"), "text/plain")
        XCTAssertEqual(String(decoding: qemu.body, as: UTF8.self), try Attachment.qemuShellText(attachments))
        XCTAssertTrue(String(decoding: qemu.body, as: UTF8.self).contains("host_mtu=1450"))

        let libvirt = try raw("GET", path + "?format=libvirt", token: Self.cogsToken)
        XCTAssertEqual(libvirt.status, 200)
        XCTAssertEqual(libvirt.header("content-type"), "application/xml")
        XCTAssertEqual(String(decoding: libvirt.body, as: UTF8.self), try Attachment.libvirtXML(attachments))

        // The materialization serves the same attachments per NIC.
        let stored = try cogs.materialization(id: "exp")
        XCTAssertEqual(stored.vms[0].nics.map(\.attachment), attachments)
    }

    func testUnknownMaterializationOrVMIs404AndAnUnknownFormat400() async throws {
        _ = try await materialize()
        for (target, field) in [("/v1/materializations/none/vms/vm/attachments", "id"),
                                ("/v1/materializations/exp/vms/ghost/attachments", "vm")] {
            let answer = try raw("GET", target)
            XCTAssertEqual(answer.status, 404, target)
            XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: answer.body).error.field, field, target)
        }
        let bad = try raw("GET", path + "?format=xml")
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: bad.body).error.field, "format")
    }

    func testAHostTokenMayNotReadAttachments() async throws {
        _ = try await materialize()
        let token = try admin.issueHostToken(host: "hv0").token
        XCTAssertEqual(try raw("GET", path, token: token).status, 403)
        XCTAssertEqual(try raw("GET", path, token: nil).status, 401)
    }
}
