import Foundation
import PlumbController
import PlumbModel
import XCTest

/// Desired state fetched in bulk (`plumb.hosts_desired` / `plumb.leaves_desired` over many names, one statement)
/// is exactly what is served host by host: the same documents, each with the generation it was read at.
final class BulkDesiredStateTests: StoreTestCase {
    func testBulkDocumentsEqualTheOneByOneDocuments() async throws {
        try await declareFacility()
        _ = try await store.materialize(id: "a", spec: Fixture.simple([.virtio, .vfio]))
        _ = try await store.materialize(id: "b", spec: Fixture.simple([.virtio], hypervisor: "hv1"))
        _ = try await store.materialize(id: "c", spec: Fixture.simple([.virtio, .virtio]))

        let hypervisors = ["hv0", "hv1", "hv2"]
        let bulk = try await store.desiredDocuments(.hypervisor, names: hypervisors + ["nope", "leaf0"])
        XCTAssertEqual(Set(bulk.keys), Set(hypervisors), "unknown names and other kinds are left out")
        for name in hypervisors {
            let one = try await store.hostDesiredState(host: name)
            let document = try XCTUnwrap(bulk[name])
            XCTAssertEqual(try PlumbJSON.decode(HostDesiredState.self, from: document.json), one, name)
            XCTAssertEqual(document.generation, one.generation, name)
            XCTAssertEqual(document.host, .hypervisor(name))
        }
        // What is compared is not empty: hv0 has taps, VFs, flood and FDB entries towards hv1.
        let hv0 = try await store.hostDesiredState(host: "hv0")
        XCTAssertFalse(hv0.networks.isEmpty || hv0.pfs.isEmpty)

        let leaves = ["leaf0", "leaf1"]
        let leafBulk = try await store.desiredDocuments(.leaf, names: leaves + ["hv0"])
        XCTAssertEqual(Set(leafBulk.keys), Set(leaves))
        for name in leaves {
            let one = try await store.leafDesiredState(leaf: name)
            XCTAssertEqual(try PlumbJSON.decode(LeafDesiredState.self, from: try XCTUnwrap(leafBulk[name]).json), one, name)
            XCTAssertEqual(try XCTUnwrap(leafBulk[name]).generation, one.generation, name)
        }
        let none = try await store.desiredDocuments(.leaf, names: [])
        XCTAssertTrue(none.isEmpty)
    }
}
