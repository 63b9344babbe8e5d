import Foundation
import PlumbAPI
import PlumbController
@testable import PlumbControllerServer
import PlumbModel
import XCTest

/// The long polls are served the desired-state documents as PostgreSQL writes them, with no JSON pass in Swift:
/// so the statements themselves must write exactly the documented schema. Every document of a testbed that uses
/// every member (taps, flood and FDB lists, VFs, passthrough NICs, leaf VLANs with guest VLANs, access and tagged
/// ports, both kinds of leaf FDB entry, a leaf's underlay port) is decoded by the generated decoders, which refuse
/// a member the document lacks and a missing or mistyped one, and read by the domain decoders the agent uses.
final class DesiredDocumentSchemaTests: ServerTestCase {
    func testEveryDocumentTheStatementsWriteIsTheDocumentedSchema() async throws {
        var facility = TestFacility.facility()
        facility.leaves[0].vlanProtocol = .dot1ad
        facility.leaves[0].underlayPort = "swp32"
        facility.hypervisors[0].nics[0].canStackVlans = true
        try await store.putFacility(facility)
        let nics: [MaterializationSpec.NIC] = [.init(network: "net"), .init(network: "net", mechanism: .vfio),
                                               .init(network: "net", mechanism: .passthrough)]
        try await store.materialize(id: "all", spec: MaterializationSpec(
            networks: [MaterializationSpec.Network(name: "net", guestVlans: true)],
            vms: [MaterializationSpec.VM(name: "a", hypervisor: "hv0", nics: nics),
                  MaterializationSpec.VM(name: "b", hypervisor: "hv1", nics: [.init(network: "net")])]))

        let hosts = try await store.desiredDocuments(.hypervisor, names: ["hv0", "hv1"])
        XCTAssertEqual(hosts.keys.sorted(), ["hv0", "hv1"])
        for (name, document) in hosts {
            let wire = try Wire.decoder.decode(Components.Schemas.HostDesiredState.self, from: document.json)
            XCTAssertEqual(wire.host, name)
            XCTAssertEqual(Int64(wire.generation), document.generation, "the generation read with the document")
            let domain = try PlumbJSON.decode(HostDesiredState.self, from: document.json)
            let stored = try await store.hostDesiredState(host: name)
            XCTAssertEqual(domain, stored)
        }
        let hv0 = try PlumbJSON.decode(HostDesiredState.self, from: try XCTUnwrap(hosts["hv0"]).json)
        XCTAssertFalse(hv0.networks.flatMap(\.taps).isEmpty)
        XCTAssertFalse(hv0.networks.flatMap(\.flood).isEmpty)
        XCTAssertFalse(hv0.networks.flatMap(\.fdb).isEmpty)
        XCTAssertFalse(hv0.pfs.flatMap(\.vfs).isEmpty)
        XCTAssertFalse(hv0.passthrough.isEmpty)

        let leaves = try await store.desiredDocuments(.leaf, names: ["leaf0"])
        let leafJSON = try XCTUnwrap(leaves["leaf0"]).json
        let wireLeaf = try Wire.decoder.decode(Components.Schemas.LeafDesiredState.self, from: leafJSON)
        XCTAssertEqual(wireLeaf.underlayPort, "swp32")
        let leaf = try PlumbJSON.decode(LeafDesiredState.self, from: leafJSON)
        let storedLeaf = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual(leaf, storedLeaf)
        XCTAssertEqual(leaf.vlans.map(\.guestVlans), [true])
        XCTAssertFalse(leaf.vlans.flatMap(\.flood).isEmpty)
        XCTAssertFalse(leaf.accessPorts.isEmpty)
        XCTAssertFalse(leaf.taggedPorts.isEmpty)
        XCTAssertEqual(Set(leaf.fdb.map { $0.port == nil }), [true, false], "entries toward a port and toward a VTEP")
    }

    /// The generated decoders refuse what the document lacks: this test's decoding can fail.
    func testAMemberTheDocumentLacksIsRefused() throws {
        let stray = Data(#"{"host":"hv0","generation":1,"vtep":{"local_ip":"198.19.1.1","underlay_mtu":1500},"networks":[],"pfs":[],"passthrough":[],"extra":1}"#.utf8)
        XCTAssertThrowsError(try Wire.decoder.decode(Components.Schemas.HostDesiredState.self, from: stray))
        var kept = stray
        kept.replaceSubrange(kept.range(of: Data(#","extra":1"#.utf8))!, with: Data())
        XCTAssertNoThrow(try Wire.decoder.decode(Components.Schemas.HostDesiredState.self, from: kept))
    }
}
