import PlumbController
import PlumbModel
import XCTest

/// The rules of DESIGN.md, each accepted and refused, and every refusal leaving nothing behind.
final class AllocationRulesTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    private func nic(_ mechanism: Mechanism = .virtio, pf: String? = nil, network: String = "net") -> MaterializationSpec.NIC {
        MaterializationSpec.NIC(network: network, mechanism: mechanism, pf: pf)
    }

    private func one(_ nics: [MaterializationSpec.NIC], hypervisor: String = "hv0", guestVlans: Bool = false) -> MaterializationSpec {
        Fixture.spec(networks: [MaterializationSpec.Network(name: "net", guestVlans: guestVlans)], vms: [("vm", hypervisor, nics)])
    }

    /// Asserts the refusal and that the database is exactly as before.
    private func assertRefusedUnchanged(_ status: Int, _ code: String, field: String?, id: String = "refused",
                                        _ spec: MaterializationSpec, file: StaticString = #filePath, line: UInt = #line) async throws {
        let before = try await allocationSnapshot()
        await assertRefused(status, code, field: field, file: file, line: line) {
            _ = try await self.store.materialize(id: id, spec: spec)
        }
        let after = try await allocationSnapshot()
        XCTAssertEqual(before, after, "a refused materialization changed the database", file: file, line: line)
    }

    func testVFLimitPerPF() async throws {
        // eno4 has 2 VFs.
        _ = try await store.materialize(id: "two", spec: one([nic(.vfio, pf: "eno4"), nic(.vfio, pf: "eno4")]))
        try await assertRefusedUnchanged(409, "vf_limit", field: "vms[0].nics[1].pf",
                                         one([nic(.virtio), nic(.vfio, pf: "eno4")]))
        let message = await refusal { _ = try await self.store.materialize(id: "x", spec: self.one([self.nic(.vfio, pf: "eno4")])) }
        XCTAssertTrue(message?.message.contains("hv0/eno4") == true, "\(String(describing: message))")
    }

    func testVFPoolOfAHypervisorRunsOut() async throws {
        // hv1 has one SR-IOV NIC with 4 VFs.
        _ = try await store.materialize(id: "four", spec: one(Array(repeating: nic(.vfio), count: 4), hypervisor: "hv1"))
        try await assertRefusedUnchanged(409, "pool_exhausted", field: "vms[0].nics[0]", one([nic(.vfio)], hypervisor: "hv1"))
    }

    func testNoSRIOVAnywhereIsARuleNotAnExhaustedPool() async throws {
        try await assertRefusedUnchanged(422, "no_sriov", field: "vms[0].nics[0]", one([nic(.vfio)], hypervisor: "hv2"))
        try await assertRefusedUnchanged(422, "no_sriov", field: "vms[0].nics[0].pf", one([nic(.vfio, pf: "eno3")]))
    }

    func testNonMixingNICIsPinnedToVirtioWhileVirtioNICsExist() async throws {
        _ = try await store.materialize(id: "virtio", spec: one([nic()]))
        try await assertRefusedUnchanged(422, "mode_pinned", field: "vms[0].nics[0].pf", one([nic(.vfio, pf: "eno1")]))
        // Other NICs of the host are not pinned.
        _ = try await store.materialize(id: "vf", spec: one([nic(.vfio, pf: "eno2")]))
    }

    func testNonMixingNICIsPinnedToVFIOUntilEmpty() async throws {
        _ = try await store.materialize(id: "vf", spec: one([nic(.vfio, pf: "eno1")]))
        try await assertRefusedUnchanged(422, "mode_pinned", field: "vms[0].nics[0]", one([nic()]))
        // Released but not yet torn down: still pinned.
        try await store.dematerialize(id: "vf")
        try await assertRefusedUnchanged(422, "mode_pinned", field: "vms[0].nics[0]", one([nic()]))
        // Once the hosts have applied the release, virtio may use it.
        try await reportAllApplied()
        _ = try await store.materialize(id: "virtio", spec: one([nic()]))
    }

    func testMixingNICServesBoth() async throws {
        _ = try await store.materialize(id: "both", spec: one([nic(), nic(.vfio, pf: "eno1")], hypervisor: "hv1"))
    }

    func testVirtioAndVFIOOnANonMixingNICInOneRequest() async throws {
        try await assertRefusedUnchanged(422, "mode_pinned", field: "vms[0].nics[1].pf", one([nic(), nic(.vfio, pf: "eno1")]))
    }

    func testPassthroughIsNeverShared() async throws {
        try await assertRefusedUnchanged(422, "passthrough_shared", field: "vms[0].nics[1].pf",
                                         one([nic(.passthrough, pf: "eno3"), nic(.passthrough, pf: "eno3")]))
        _ = try await store.materialize(id: "pt", spec: one([nic(.passthrough, pf: "eno3")]))
        try await assertRefusedUnchanged(409, "pf_in_use", field: "vms[0].nics[0].pf", one([nic(.passthrough, pf: "eno3")]))
    }

    func testAPFWithVFsIsNotPassedThroughAndViceVersa() async throws {
        // Within one request the passthrough NIC is the one refused, whatever the order.
        try await assertRefusedUnchanged(409, "pf_in_use", field: "vms[0].nics[1].pf",
                                         one([nic(.vfio, pf: "eno4"), nic(.passthrough, pf: "eno4")]))
        try await assertRefusedUnchanged(409, "pf_in_use", field: "vms[0].nics[0].pf",
                                         one([nic(.passthrough, pf: "eno4"), nic(.vfio, pf: "eno4")]))
        _ = try await store.materialize(id: "vf", spec: one([nic(.vfio, pf: "eno4")]))
        try await assertRefusedUnchanged(409, "pf_in_use", field: "vms[0].nics[0].pf", one([nic(.passthrough, pf: "eno4")]))
        try await store.dematerialize(id: "vf")
        try await reportAllApplied()
        _ = try await store.materialize(id: "pt", spec: one([nic(.passthrough, pf: "eno4")]))
        try await assertRefusedUnchanged(409, "pf_in_use", field: "vms[0].nics[0].pf", one([nic(.vfio, pf: "eno4")]))
    }

    func testOnlyPassthroughCapableNICsArePassedThrough() async throws {
        try await assertRefusedUnchanged(422, "not_passthrough_capable", field: "vms[0].nics[0].pf",
                                         one([nic(.passthrough, pf: "eno2")]))
        try await assertRefusedUnchanged(422, "not_passthrough_capable", field: "vms[0].nics[0]",
                                         one([nic(.passthrough)], hypervisor: "hv2"))
    }

    func testPassthroughPoolRunsOut() async throws {
        _ = try await store.materialize(id: "pt", spec: one([nic(.passthrough), nic(.passthrough)]))
        try await assertRefusedUnchanged(409, "pool_exhausted", field: "vms[0].nics[0]", one([nic(.passthrough)]))
    }

    func testGuestVLANsNeedAn8021adLeaf() async throws {
        // leaf0 is 802.1Q: a guest-VLAN network reaches neither a VF nor a passthrough NIC behind it, named or chosen.
        try await assertRefusedUnchanged(422, "guest_vlans_unsupported", field: "vms[0].nics[0]",
                                         one([nic(.vfio, pf: "eno2")], guestVlans: true))
        try await assertRefusedUnchanged(422, "guest_vlans_unsupported", field: "vms[0].nics[0]",
                                         one([nic(.passthrough)], guestVlans: true))
        let error = await refusal { _ = try await self.store.materialize(id: "x", spec: self.one([self.nic(.vfio)], guestVlans: true)) }
        XCTAssertTrue(error?.message.contains("leaf leaf0 behind hv0 is 802.1Q") == true, "\(String(describing: error))")
        // Virtio carries guest tags on any leaf.
        _ = try await store.materialize(id: "virtio", spec: one([nic()], hypervisor: "hv1", guestVlans: true))
        // Behind an 802.1ad leaf: a VF on a NIC that pushes 802.1ad, and a passthrough NIC as a QinQ access port.
        try await declareFacility(Fixture.facility(leaf0Protocol: .dot1ad))
        let nics = try await store.materialize(id: "vf", spec: one([nic(.vfio), nic(.passthrough)], guestVlans: true))
            .materialization.vms[0].nics
        XCTAssertEqual(nics.map(\.pf), ["eno2", "eno3"])
        XCTAssertEqual(nics.map(\.vlanProtocol), [.dot1ad, nil])
    }

    func testEveryVFPushesItsLeafsProtocol() async throws {
        // 802.1Q leaf: every VF pushes 802.1Q, also on a NIC that could push 802.1ad.
        let plain = try await store.materialize(id: "q", spec: one([nic(.vfio, pf: "eno2")])).materialization.vms[0].nics[0]
        XCTAssertEqual(plain.vlanProtocol, .dot1q)
        try await store.dematerialize(id: "q")
        try await reportAllApplied()
        // 802.1ad leaf: every VF pushes 802.1ad, so only NICs that can push it give VFs.
        try await declareFacility(Fixture.facility(leaf0Protocol: .dot1ad))
        try await assertRefusedUnchanged(422, "vlan_protocol_unsupported", field: "vms[0].nics[0].pf", one([nic(.vfio, pf: "eno1")]))
        try await assertRefusedUnchanged(422, "vlan_protocol_unsupported", field: "vms[0].nics[0]", one([nic(.vfio)], hypervisor: "hv1"))
        let nics = try await store.materialize(id: "ad", spec: one([nic(.vfio), nic(.vfio, pf: "eno4")])).materialization.vms[0].nics
        XCTAssertEqual(nics.map(\.pf), ["eno2", "eno4"], "eno1, first by name, cannot push 802.1ad")
        XCTAssertEqual(nics.map(\.vlanProtocol), [.dot1ad, .dot1ad])
    }

    func testVNIPoolRunsOut() async throws {
        try await store.putFacility(Fixture.facility(vniRange: 7000...7003))  // 7001 reserved: 3 VNIs
        _ = try await store.materialize(id: "a", spec: Fixture.spec(
            networks: [MaterializationSpec.Network(name: "x"), MaterializationSpec.Network(name: "y")], vms: []))
        let spec = Fixture.spec(networks: [MaterializationSpec.Network(name: "p"), MaterializationSpec.Network(name: "q")], vms: [])
        try await assertRefusedUnchanged(409, "pool_exhausted", field: "networks[1]", spec)
        let error = await refusal { _ = try await self.store.materialize(id: "b", spec: spec) }
        XCTAssertTrue(error?.message.contains("VNI") == true)
    }

    func testVLANPoolOfALeafExcludesReservedTagsOfLeafAndHypervisors() async throws {
        // leaf0: 100–109, 100 reserved by the leaf, 101 by hv0: 8 tags.
        let networks = (0..<8).map { MaterializationSpec.Network(name: "n\($0)") }
        let nics = (0..<8).map { MaterializationSpec.NIC(network: "n\($0)", mechanism: .vfio, pf: "eno2") }
        let tags = try await store.materialize(id: "eight", spec: Fixture.spec(networks: networks, vms: [("vm", "hv0", nics)]))
            .materialization.vms[0].nics.compactMap(\.vlan)
        XCTAssertEqual(tags, Array(102...109))
        // The ninth network on leaf0 finds no tag.
        try await assertRefusedUnchanged(409, "pool_exhausted", field: "vms[0].nics[0]", one([nic(.passthrough, pf: "eno3")]))
        let error = await refusal { _ = try await self.store.materialize(id: "x", spec: self.one([self.nic(.passthrough)], hypervisor: "hv1")) }
        XCTAssertTrue(error?.message.contains("VLAN pool of leaf leaf0") == true, "\(String(describing: error))")
    }

    func testOneTagPerLeafAndNetworkSharedByAllItsNICs() async throws {
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "net")],
            vms: [("a", "hv0", [nic(.vfio, pf: "eno2"), nic(.passthrough, pf: "eno3")]),
                  ("b", "hv1", [nic(.vfio)]),
                  ("c", "hv2", [nic()])])
        let nics = try await store.materialize(id: "exp", spec: spec).materialization.vms.flatMap(\.nics)
        XCTAssertEqual(nics.map(\.vlan), [102, 102, 102, nil])
    }
}
