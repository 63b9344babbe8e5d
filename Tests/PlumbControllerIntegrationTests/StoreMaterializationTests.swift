import PlumbController
import PlumbModel
import XCTest

/// Materializing: what is allocated for each mechanism, idempotency, conflicts and bad input.
final class StoreMaterializationTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    func testVirtioGetsVNIMACAndTap() async throws {
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a"), MaterializationSpec.Network(name: "b", allowLocal: true)],
            vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a"), MaterializationSpec.NIC(network: "b")]),
                  ("vm1", "hv2", [MaterializationSpec.NIC(network: "a")])])
        let (materialization, created) = try await store.materialize(id: "exp1", spec: spec)
        XCTAssertTrue(created)
        XCTAssertEqual(materialization.id, "exp1")
        // VNIs from the range, 7001 reserved.
        XCTAssertEqual(materialization.networks.map(\.vni), [7000, 7002])
        XCTAssertEqual(materialization.networks.map(\.allowLocal), [false, true])
        let nics = materialization.vms.flatMap(\.nics)
        XCTAssertEqual(nics.map(\.name), ["eth0", "eth1", "eth0"])
        XCTAssertEqual(Set(nics.compactMap(\.mac)).count, 3)
        for nic in nics {
            XCTAssertEqual(nic.mechanism, .virtio)
            let mac = try XCTUnwrap(nic.mac)
            XCTAssertTrue(mac.isLocallyAdministered && !mac.isMulticast, "\(mac)")
            XCTAssertEqual(mac.octets[0], 0x02)
            let tap = try XCTUnwrap(nic.tap)
            XCTAssertLessThanOrEqual(tap.utf8.count, 15)
            XCTAssertNil(nic.pf)
            XCTAssertNil(nic.vlan)
            XCTAssertNil(nic.vfIndex)
        }
        XCTAssertEqual(Set(nics.compactMap(\.tap)).count, 3)
        XCTAssertEqual(materialization.status.state, .pending)
        XCTAssertEqual(materialization.status.hosts.map(\.host), ["hv0", "hv2"])
    }

    func testVFIOGetsPFVFIndexVLANAndMAC() async throws {
        // Guest VLANs on a VF need an 802.1ad leaf, whose tags every VF behind it pushes.
        try await declareFacility(Fixture.facility(leaf0Protocol: .dot1ad))
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a"), MaterializationSpec.Network(name: "q", guestVlans: true)],
            vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno2"),
                                  MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno2"),
                                  MaterializationSpec.NIC(network: "q", mechanism: .vfio)])])
        let materialization = try await store.materialize(id: "exp", spec: spec).materialization
        let nics = materialization.vms[0].nics
        XCTAssertEqual(nics.map(\.pf), ["eno2", "eno2", "eno2"])
        XCTAssertEqual(nics.map(\.pfPciAddress), Array(repeating: PCIAddress("0000:3b:00.1"), count: 3))
        XCTAssertEqual(nics.map(\.vfIndex), [0, 1, 2])
        // One tag per (leaf, network): 100 is reserved by leaf0, 101 by hv0.
        XCTAssertEqual(nics.map(\.vlan), [102, 102, 103])
        XCTAssertEqual(nics.map(\.vlanProtocol), [.dot1ad, .dot1ad, .dot1ad])
        XCTAssertEqual(Set(nics.compactMap(\.mac)).count, 3)
        XCTAssertTrue(nics.allSatisfy { $0.tap == nil })
        XCTAssertEqual(materialization.status.hosts.map(\.host), ["hv0", "leaf0"])
    }

    func testAutomaticVFsAvoidTheNonMixingUnderlayWhenVirtioIsThere() async throws {
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a")],
            vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a"),
                                  MaterializationSpec.NIC(network: "a", mechanism: .vfio)])])
        let nics = try await store.materialize(id: "exp", spec: spec).materialization.vms[0].nics
        XCTAssertEqual(nics[1].pf, "eno2", "eno1 carries the underlay of the virtio NIC and may not mix")
    }

    func testAutomaticVFsPreferNICsThatDoNotStackForPlainNetworks() async throws {
        let nics = try await store.materialize(id: "exp", spec: Fixture.simple([.vfio, .vfio])).materialization.vms[0].nics
        XCTAssertEqual(nics.map(\.pf), ["eno1", "eno1"])
        XCTAssertEqual(nics.map(\.vfIndex), [0, 1])
    }

    func testPassthroughGetsAWholePFAndATag() async throws {
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a")],
            vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a", mechanism: .passthrough),
                                  MaterializationSpec.NIC(network: "a", mechanism: .passthrough, pf: "eno3")])])
        let nics = try await store.materialize(id: "exp", spec: spec).materialization.vms[0].nics
        // The named one is taken first; the other gets the next free passthrough NIC.
        XCTAssertEqual(nics.map(\.pf), ["eno4", "eno3"])
        XCTAssertEqual(nics.map(\.pfPciAddress), [PCIAddress("0000:5e:00.1"), PCIAddress("0000:5e:00.0")])
        XCTAssertEqual(nics.map(\.vlan), [102, 102])
        XCTAssertTrue(nics.allSatisfy { $0.mac == nil && $0.vfIndex == nil && $0.vlanProtocol == nil && $0.tap == nil })
    }

    func testRequestedMACIsUsedAndThenTaken() async throws {
        let mac = MACAddress("00:1b:21:aa:bb:cc")!
        let spec = Fixture.spec(networks: [MaterializationSpec.Network(name: "a")],
                                vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a", mac: mac)])])
        let nic = try await store.materialize(id: "exp1", spec: spec).materialization.vms[0].nics[0]
        XCTAssertEqual(nic.mac, mac)
        let before = try await allocationSnapshot()
        await assertRefused(409, "mac_in_use", field: "vms[0].nics[0].mac") {
            _ = try await self.store.materialize(id: "exp2", spec: spec)
        }
        let after = try await allocationSnapshot()
        XCTAssertEqual(before, after)
    }

    func testSameBodyTwiceGivesTheSameAnswer() async throws {
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a")],
            vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a"), MaterializationSpec.NIC(network: "a", mechanism: .vfio)])])
        let first = try await store.materialize(id: "exp", spec: spec)
        let generation = try await store.generation(of: .hypervisor("hv0"))
        // Naming the NICs as the defaults would is the same body.
        var named = spec
        named.vms[0].nics[0].name = "eth0"
        let second = try await store.materialize(id: "exp", spec: named)
        XCTAssertTrue(first.created)
        XCTAssertFalse(second.created)
        XCTAssertEqual(first.materialization, second.materialization)
        let generationAfter = try await store.generation(of: .hypervisor("hv0"))
        XCTAssertEqual(generation, generationAfter, "a repeated PUT changes nothing")
        let got = try await store.materialization(id: "exp")
        XCTAssertEqual(got, first.materialization)
    }

    /// The answer to a PUT is built from the allocator's plan, a GET's from what was stored: the same document,
    /// for every mechanism, a VM without NICs and networks in any order.
    func testTheAnswerIsWhatIsStored() async throws {
        try await declareFacility(Fixture.facility(leaf0Protocol: .dot1ad))
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "b", allowLocal: true), MaterializationSpec.Network(name: "a", guestVlans: true)],
            vms: [("idle", "hv1", []),
                  ("vm0", "hv0", [MaterializationSpec.NIC(name: "x", network: "a", mechanism: .vfio),
                                  MaterializationSpec.NIC(network: "b", mechanism: .passthrough),
                                  MaterializationSpec.NIC(network: "b", mac: MACAddress("0a:00:00:00:00:07"))]),
                  ("vm1", "hv2", [MaterializationSpec.NIC(network: "a")])])
        let answer = try await store.materialize(id: "mixed", spec: spec).materialization
        let stored = try await store.materialization(id: "mixed")
        XCTAssertEqual(answer, stored)
        XCTAssertEqual(stored.vms.map(\.name), ["idle", "vm0", "vm1"])
        XCTAssertEqual(stored.vms[1].nics.map(\.name), ["x", "eth1", "eth2"])
        XCTAssertEqual(stored.vms[1].nics.map(\.pfPciAddress), [PCIAddress("0000:3b:00.1"), PCIAddress("0000:5e:00.0"), nil])
        XCTAssertEqual(stored.networks.map(\.name), ["b", "a"])
        // b: hv0 only (underlay 9000); a: hv0 and hv2 (underlay 1500), its guests' own tag given room.
        XCTAssertEqual(stored.networks.map(\.mtu), [8950, 1450 - Limits.guestTagLength])
        XCTAssertEqual(stored.vms[1].nics.map(\.mtu), [1450 - Limits.guestTagLength, 8950, 8950])
    }

    func testDifferentBodyUnderTheSameIDIsAConflict() async throws {
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio]))
        let before = try await allocationSnapshot()
        await assertRefused(409, "materialization_exists", field: "id") {
            _ = try await self.store.materialize(id: "exp", spec: Fixture.simple([.virtio, .virtio]))
        }
        let after = try await allocationSnapshot()
        XCTAssertEqual(before, after)
    }

    func testUnknownHypervisorAndPFAreRefusedNamingTheField() async throws {
        let before = try await allocationSnapshot()
        await assertRefused(422, "inconsistent_field", field: "vms[1].hypervisor") {
            _ = try await self.store.materialize(id: "exp", spec: Fixture.spec(
                networks: [MaterializationSpec.Network(name: "a")],
                vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a")]), ("vm1", "hv9", [])]))
        }
        await assertRefused(422, "inconsistent_field", field: "vms[0].nics[1].pf") {
            _ = try await self.store.materialize(id: "exp", spec: Fixture.spec(
                networks: [MaterializationSpec.Network(name: "a")],
                vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a"),
                                      MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno9")])]))
        }
        await assertRefused(422, "inconsistent_field", field: "vms[0].nics[0].network") {
            _ = try await self.store.materialize(id: "exp", spec: Fixture.spec(
                networks: [], vms: [("vm0", "hv0", [MaterializationSpec.NIC(network: "a")])]))
        }
        let after = try await allocationSnapshot()
        XCTAssertEqual(before, after)
    }

    func testGetListAndDelete() async throws {
        await assertRefused(404, "not_found", field: "id") { _ = try await self.store.materialization(id: "nope") }
        _ = try await store.materialize(id: "b", spec: Fixture.simple([.virtio, .vfio]))
        _ = try await store.materialize(id: "a", spec: Fixture.simple([.virtio], hypervisor: "hv2"))
        let list = try await store.materializations().materializations
        XCTAssertEqual(list.map(\.id), ["a", "b"])
        XCTAssertEqual(list.map(\.nics), [1, 2])
        XCTAssertEqual(list.map(\.networks), [1, 1])
        XCTAssertEqual(list.map(\.state), [.pending, .pending])

        let deleted = try await store.dematerialize(id: "b")
        XCTAssertTrue(deleted)
        let deletedAgain = try await store.dematerialize(id: "b")
        XCTAssertFalse(deletedAgain, "DELETE is idempotent")
        let remaining = try await store.materializations().materializations
        XCTAssertEqual(remaining.map(\.id), ["a"])
        await assertRefused(404, "not_found", field: "id") { _ = try await self.store.materialization(id: "b") }
    }

    func testAVMWithoutNICsIsKept() async throws {
        let spec = Fixture.spec(networks: [MaterializationSpec.Network(name: "a")], vms: [("lonely", "hv1", [])])
        let materialization = try await store.materialize(id: "exp", spec: spec).materialization
        XCTAssertEqual(materialization.vms.map(\.name), ["lonely"])
        XCTAssertEqual(materialization.status.state, .ready, "no host has anything to apply")
    }
}
