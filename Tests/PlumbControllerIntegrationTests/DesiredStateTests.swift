import PlumbController
import PlumbModel
import XCTest

/// The whole desired state of hypervisors and leaves.
final class DesiredStateTests: StoreTestCase {
    private let leaf0 = IPv4Address("198.18.0.1")!
    private let hv0 = IPv4Address("198.18.1.1")!
    private let hv1 = IPv4Address("198.18.1.2")!
    private let hv2 = IPv4Address("198.18.1.3")!

    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    func testEmptyHostsAndUnknownHosts() async throws {
        let host = try await store.hostDesiredState(host: "hv0")
        XCTAssertEqual(host, HostDesiredState(host: "hv0", generation: 1,
                                              vtep: HostDesiredState.VTEP(localIp: hv0, underlayNic: "eno1", underlayMtu: 9000)))
        let leaf = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual(leaf, LeafDesiredState(leaf: "leaf0", generation: 1, vtepIp: leaf0))
        await assertRefused(404, "not_found", field: nil) { _ = try await self.store.hostDesiredState(host: "nope") }
        await assertRefused(404, "not_found", field: nil) { _ = try await self.store.leafDesiredState(leaf: "hv0") }
        await assertRefused(404, "not_found", field: nil) { _ = try await self.store.generation(of: .leaf("hv0")) }
    }

    /// One network spanning virtio NICs on hv0 and hv2, a VF and a passthrough NIC on hv0 (behind
    /// leaf0); a second network local to hv0 that allows local traffic.
    func testHypervisorAndLeafDocuments() async throws {
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a"), MaterializationSpec.Network(name: "b", allowLocal: true)],
            vms: [("v0", "hv0", [MaterializationSpec.NIC(network: "a"),
                                 MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno2"),
                                 MaterializationSpec.NIC(network: "a", mechanism: .passthrough, pf: "eno3"),
                                 MaterializationSpec.NIC(network: "b")]),
                  ("v1", "hv2", [MaterializationSpec.NIC(network: "a")]),
                  ("v2", "hv0", [MaterializationSpec.NIC(network: "b")])])
        let m = try await store.materialize(id: "exp", spec: spec).materialization
        let vniA = m.networks[0].vni, vniB = m.networks[1].vni
        let v0 = m.vms[0].nics, v1 = m.vms[1].nics, v2 = m.vms[2].nics
        let tag = try XCTUnwrap(v0[1].vlan)

        let host = try await store.hostDesiredState(host: "hv0")
        XCTAssertEqual(host.generation, 2)
        XCTAssertEqual(host.networks.map(\.vni), [vniA, vniB])
        let a = host.networks[0], b = host.networks[1]
        XCTAssertTrue(a.isolated)
        XCTAssertFalse(b.isolated)
        // Every other VTEP in the VNI: hv2's for its virtio NIC, leaf0's for the VF/passthrough.
        XCTAssertEqual(a.flood, [leaf0, hv2])
        // Every remote MAC: the VF's behind leaf0, v1's behind hv2 (sorted by MAC).
        XCTAssertEqual(a.fdb, [HostDesiredState.FDBEntry(mac: v0[1].mac!, vtep: leaf0),
                               HostDesiredState.FDBEntry(mac: v1[0].mac!, vtep: hv2)].sorted { $0.mac < $1.mac })
        XCTAssertEqual(a.taps, [HostDesiredState.Tap(name: v0[0].tap!, mac: v0[0].mac!, materialization: "exp", vm: "v0", nic: "eth0")])
        XCTAssertEqual(b.flood, [])
        XCTAssertEqual(b.fdb, [])
        XCTAssertEqual(b.taps.map(\.vm).sorted(), ["v0", "v2"])
        XCTAssertEqual(b.taps.map(\.name), [v0[3].tap!, v2[0].tap!].sorted())
        XCTAssertEqual(host.pfs, [HostDesiredState.PF(
            name: "eno2", pciAddress: PCIAddress("0000:3b:00.1")!, numVfs: 8,
            vfs: [HostDesiredState.VF(index: 0, vlan: tag, vlanProtocol: .dot1q, mac: v0[1].mac!,
                                      materialization: "exp", vm: "v0", nic: "eth1")])])
        XCTAssertEqual(host.passthrough, [HostDesiredState.Passthrough(name: "eno3", pciAddress: PCIAddress("0000:5e:00.0")!,
                                                                       materialization: "exp", vm: "v0", nic: "eth2")])

        let remote = try await store.hostDesiredState(host: "hv2")
        XCTAssertEqual(remote.networks.map(\.vni), [vniA])
        XCTAssertEqual(remote.networks[0].flood, [leaf0, hv0])
        XCTAssertEqual(remote.networks[0].fdb.map(\.mac), [v0[0].mac!, v0[1].mac!].sorted())
        XCTAssertTrue(remote.pfs.isEmpty && remote.passthrough.isEmpty)

        let idle = try await store.hostDesiredState(host: "hv1")
        XCTAssertEqual(idle.generation, 1, "hv1 has nothing of this materialization")

        let leaf = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual(leaf.generation, 2)
        XCTAssertEqual(leaf.vlans, [LeafDesiredState.VLANMapping(vlan: tag, vni: vniA, flood: [hv0, hv2])])
        XCTAssertEqual(leaf.accessPorts, [LeafDesiredState.AccessPort(port: "swp3", vlan: tag, hypervisor: "hv0",
                                                                      pciAddress: PCIAddress("0000:5e:00.0")!)])
        XCTAssertEqual(leaf.taggedPorts, [LeafDesiredState.TaggedPort(port: "swp2", hypervisor: "hv0", vlans: [tag])])
        let expectedFDB = [LeafDesiredState.FDBEntry(vni: vniA, mac: v0[0].mac!, vtep: hv0),
                           LeafDesiredState.FDBEntry(vni: vniA, mac: v0[1].mac!, port: "swp2", vlan: tag),
                           LeafDesiredState.FDBEntry(vni: vniA, mac: v1[0].mac!, vtep: hv2)].sorted { $0.mac < $1.mac }
        XCTAssertEqual(leaf.fdb, expectedFDB)
        let other = try await store.leafDesiredState(leaf: "leaf1")
        XCTAssertEqual(other, LeafDesiredState(leaf: "leaf1", generation: 1, vtepIp: IPv4Address("198.18.0.2")!))

        // Equal states are equal documents.
        let again = try await store.hostDesiredState(host: "hv0")
        XCTAssertEqual(try PlumbJSON.encode(again), try PlumbJSON.encode(host))
    }

    /// The leaf's document says which of its networks carry guest tags: its agent gives those a VXLAN device of their own.
    func testTheLeafDocumentSaysWhichNetworksCarryGuestTags() async throws {
        try await declareFacility(Fixture.facility(leaf0Protocol: .dot1ad))
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "plain"), MaterializationSpec.Network(name: "tagged", guestVlans: true)],
            vms: [("v0", "hv0", [MaterializationSpec.NIC(network: "plain", mechanism: .vfio),
                                 MaterializationSpec.NIC(network: "tagged", mechanism: .vfio)])])
        let materialization = try await store.materialize(id: "exp", spec: spec).materialization
        let leaf = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual(leaf.vlanProtocol, .dot1ad)
        XCTAssertEqual(leaf.vlans, [
            LeafDesiredState.VLANMapping(vlan: 102, vni: materialization.networks[0].vni, guestVlans: false, flood: []),
            LeafDesiredState.VLANMapping(vlan: 103, vni: materialization.networks[1].vni, guestVlans: true, flood: []),
        ])
    }

    func testVFsOnTwoLeavesSeeEachOthersLeafVTEP() async throws {
        var facility = Fixture.facility()
        facility.hypervisors[2].nics = [Facility.NIC(name: "eno1", pciAddress: PCIAddress("0000:3b:00.0")!, leafPort: "swp1",
                                                     vfLimit: 4)]
        try await store.putFacility(facility)
        let spec = Fixture.spec(networks: [MaterializationSpec.Network(name: "a")],
                                vms: [("x", "hv1", [MaterializationSpec.NIC(network: "a", mechanism: .vfio)]),
                                      ("y", "hv2", [MaterializationSpec.NIC(network: "a", mechanism: .vfio)])])
        let m = try await store.materialize(id: "exp", spec: spec).materialization
        let leaf0State = try await store.leafDesiredState(leaf: "leaf0")
        let leaf1State = try await store.leafDesiredState(leaf: "leaf1")
        XCTAssertEqual(leaf0State.vlans.map(\.flood), [[IPv4Address("198.18.0.2")!]])
        XCTAssertEqual(leaf1State.vlans.map(\.flood), [[leaf0]])
        XCTAssertEqual(leaf0State.fdb.first { $0.mac == m.vms[1].nics[0].mac }?.vtep, IPv4Address("198.18.0.2"))
        XCTAssertEqual(leaf1State.fdb.first { $0.mac == m.vms[1].nics[0].mac }?.port, "swp1")
        // No hypervisor has a bridge for this VNI: no virtio NICs.
        let hv1State = try await store.hostDesiredState(host: "hv1")
        XCTAssertTrue(hv1State.networks.isEmpty)
        XCTAssertEqual(hv1State.pfs.map(\.name), ["eno1"])
    }

    func testReleasedNICsLeaveTheDesiredStateAtOnce() async throws {
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio, .vfio]))
        try await store.dematerialize(id: "exp")
        let host = try await store.hostDesiredState(host: "hv0")
        XCTAssertEqual(host.generation, 3)
        XCTAssertTrue(host.networks.isEmpty && host.pfs.isEmpty)
        let leaf = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual(leaf.generation, 3)
        XCTAssertTrue(leaf.vlans.isEmpty && leaf.taggedPorts.isEmpty && leaf.fdb.isEmpty)
    }
}
