import PlumbController
import PlumbModel
import XCTest

/// The attachments hypervisors report, stored per VM NIC and served in the materialization once applied.
final class AttachmentStoreTests: StoreTestCase {
    private func tap(_ nic: Materialization.NIC, vm: String, ifindex: Int) -> Attachment {
        Attachment(materialization: "exp", vm: vm, nic: nic.name, kind: .tap, mac: nic.mac, mtu: nic.mtu, tap: nic.tap,
                   tapIfindex: ifindex)
    }

    func testAttachmentsAreServedOnceTheHostAppliedTheMaterializationAndReplacedByEachReport() async throws {
        try await declareFacility()
        let answer = try await store.materialize(id: "exp", spec: Fixture.spec(
            networks: [.init(name: "net")],
            vms: [("a", "hv0", [.init(network: "net"), .init(network: "net")]), ("b", "hv1", [.init(network: "net")])])).materialization
        XCTAssertEqual(answer.vms.flatMap(\.nics).compactMap(\.attachment), [])
        let a = answer.vms[0], b = answer.vms[1]
        let required = answer.status.hosts.first { $0.host == "hv0" }!.requiredGeneration

        // Reported with an older generation: about an older document, not served.
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(
            appliedGeneration: required - 1, attachments: [tap(a.nics[0], vm: "a", ifindex: 7)]))
        var stored = try await store.materialization(id: "exp")
        XCTAssertNil(stored.vms[0].nics[0].attachment)

        let first = [tap(a.nics[1], vm: "a", ifindex: 8), tap(a.nics[0], vm: "a", ifindex: 7),
                     Attachment(materialization: "other", vm: "a", nic: "eth0", kind: .tap, tap: "x")]
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: required, attachments: first))
        stored = try await store.materialization(id: "exp")
        XCTAssertEqual(stored.vms[0].nics.map(\.attachment), [first[1], first[0]])
        XCTAssertNil(stored.vms[1].nics[0].attachment, "hv1 has not reported")
        XCTAssertEqual(stored.vms[0].nics[0].attachment?.mtu, 1450, "net spans hv0 (9000) and hv1 (1500)")

        // Each report replaces the host's attachments; another host's stay.
        try await store.reportStatus(.hypervisor("hv1"), report: HostStatusReport(
            appliedGeneration: answer.status.hosts.first { $0.host == "hv1" }!.requiredGeneration,
            attachments: [tap(b.nics[0], vm: "b", ifindex: 3)]))
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(
            appliedGeneration: required, attachments: [tap(a.nics[0], vm: "a", ifindex: 9)]))
        stored = try await store.materialization(id: "exp")
        XCTAssertEqual(stored.vms[0].nics.map(\.attachment?.tapIfindex), [9, nil])
        XCTAssertEqual(stored.vms[1].nics[0].attachment?.tapIfindex, 3)

        // A repeated PUT answers what is stored, attachments included.
        let again = try await store.materialize(id: "exp", spec: Fixture.spec(
            networks: [.init(name: "net")],
            vms: [("a", "hv0", [.init(network: "net"), .init(network: "net")]), ("b", "hv1", [.init(network: "net")])]))
        XCTAssertFalse(again.created)
        XCTAssertEqual(again.materialization, stored)
    }
}
