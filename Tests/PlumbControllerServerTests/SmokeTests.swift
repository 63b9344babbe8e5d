import Foundation
import PlumbHTTPClient
import PlumbModel
import XCTest

/// The whole path once: facility, materialization, desired state, status, delete, over HTTP.
final class SmokeTests: ServerTestCase {
    func testFacilityMaterializationDesiredStateAndStatus() async throws {
        let declared = try admin.putFacility(TestFacility.facility())
        XCTAssertEqual(try cogs.facility(), declared)

        let materialization = try cogs.materialize(id: "exp1", spec: TestFacility.spec([.virtio, .vfio]))
        XCTAssertEqual(materialization.id, "exp1")
        XCTAssertEqual(materialization.networks.map(\.vni), [5000])
        XCTAssertEqual(try cogs.materialization(id: "exp1"), materialization)
        XCTAssertEqual(try cogs.materializations().materializations.map(\.id), ["exp1"])

        let token = try admin.issueHostToken(host: "hv0")
        let agent = client(token.token)
        guard case .changed(let desired) = try agent.desired(host: "hv0", after: nil) else {
            return XCTFail("expected the current document")
        }
        XCTAssertEqual(desired.networks.count, 1)
        // Served as the generated type writes what the database computed: the agent reads the very document the store has.
        let stored = try await store.hostDesiredState(host: "hv0")
        XCTAssertEqual(desired, stored)
        guard case .changed(let leaf) = try admin.leafDesired(leaf: "leaf0", after: nil) else {
            return XCTFail("expected the leaf's current document")
        }
        let storedLeaf = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual(leaf, storedLeaf)
        XCTAssertFalse(leaf.vlans.isEmpty)
        try agent.putStatus(host: "hv0", HostStatusReport(appliedGeneration: desired.generation))
        let hv0 = try cogs.hosts().hosts.first { $0.name == "hv0" && $0.kind == .hypervisor }
        XCTAssertEqual(hv0?.appliedGeneration, desired.generation)

        try cogs.dematerialize(id: "exp1")
        try cogs.dematerialize(id: "exp1")
        assertAPIError(404, "not_found", field: "id") { _ = try self.cogs.materialization(id: "exp1") }
    }
}

/// A host that applied a materialization with errors for its items makes it `failed`, over HTTP.
final class ReadinessRouteTests: ServerTestCase {
    func testAnItemErrorOfTheHostFailsTheMaterialization() throws {
        try admin.putFacility(TestFacility.facility())
        let materialization = try cogs.materialize(id: "exp", spec: TestFacility.spec([.virtio]))
        let tap = try XCTUnwrap(materialization.vms[0].nics[0].tap)
        let agent = client(try admin.issueHostToken(host: "hv0").token)
        let generation = materialization.status.hosts[0].requiredGeneration
        let error = HostStatusReport.ItemError(item: "tap \(tap)", message: "creating the tap failed: EPERM")
        try agent.putStatus(host: "hv0", HostStatusReport(appliedGeneration: generation, errors: [error]))

        let status = try cogs.materialization(id: "exp").status
        XCTAssertEqual(status.state, .failed)
        XCTAssertEqual(status.hosts.map(\.host), ["hv0"])
        XCTAssertEqual(status.hosts[0].errors, [error])
        XCTAssertEqual(try cogs.materializations().materializations.map(\.state), [.failed])

        try agent.putStatus(host: "hv0", HostStatusReport(appliedGeneration: generation))
        XCTAssertEqual(try cogs.materialization(id: "exp").status.state, .ready)
    }
}

/// `GET /v1/audit/vni/{vni}?at=TIME` over HTTP.
final class AuditRouteTests: ServerTestCase {
    func testWhoHeldAVNIAtATime() throws {
        _ = try admin.putFacility(TestFacility.facility())
        let vni = try cogs.materialize(id: "held", spec: TestFacility.spec()).networks[0].vni
        let during = Date()
        XCTAssertEqual(try cogs.auditVNI(vni).holdings.map(\.materialization), ["held"])
        XCTAssertEqual(try cogs.auditVNI(vni, at: during).holdings.map(\.materialization), ["held"])
        XCTAssertEqual(try cogs.auditVNI(vni, at: Date(timeIntervalSince1970: 0)).holdings, [])
        assertAPIError(400, "invalid_field", field: "vni") { _ = try self.cogs.auditVNI(0) }
        for (path, field) in [("/v1/audit/vni/x", "vni"), ("/v1/audit/vni/5000?at=yesterday", "at")] {
            let response = try raw("GET", path)
            XCTAssertEqual(response.status, 400, path)
            XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error.field, field, path)
        }
    }
}
