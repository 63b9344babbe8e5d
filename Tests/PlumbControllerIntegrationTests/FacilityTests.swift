import PlumbController
import PlumbModel
import XCTest

/// PUT/GET facility: declarative, idempotent, and refusing to change what is in use.
final class FacilityTests: StoreTestCase {
    func testGetBeforeAnyDeclarationIs404() async throws {
        await assertRefused(404, "not_found", field: nil) { _ = try await self.store.facility() }
    }

    func testPutThenGetGivesTheSameFacility() async throws {
        try await declareFacility()
        let got = try await store.facility()
        XCTAssertEqual(got, Fixture.facility())
        let hosts = try await store.hosts().hosts
        XCTAssertEqual(hosts.map(\.name), ["hv0", "hv1", "hv2", "leaf0", "leaf1"])
        XCTAssertTrue(hosts.allSatisfy { $0.generation == 1 && $0.state == .unknown })
    }

    func testInvalidFacilityChangesNothing() async throws {
        try await declareFacility()
        var bad = Fixture.facility()
        bad.hypervisors[1].leaf = "leaf9"
        await assertRefused(422, "inconsistent_field", field: "hypervisors[1].leaf") { try await self.store.putFacility(bad) }
        let got = try await store.facility()
        XCTAssertEqual(got, Fixture.facility())
    }

    func testRepeatedPutChangesNoGeneration() async throws {
        try await declareFacility()
        try await declareFacility()
        let generations = try await store.hosts().hosts.map(\.generation)
        XCTAssertEqual(generations, [1, 1, 1, 1, 1])
    }

    func testChangingAHostRaisesOnlyItsGeneration() async throws {
        try await declareFacility()
        var changed = Fixture.facility()
        changed.hypervisors[1].underlayMtu = 9000
        try await store.putFacility(changed)
        let hv1 = try await store.generation(of: .hypervisor("hv1"))
        let hv0 = try await store.generation(of: .hypervisor("hv0"))
        XCTAssertEqual(hv1, 2)
        XCTAssertEqual(hv0, 1)
        let desired = try await store.hostDesiredState(host: "hv1")
        XCTAssertEqual(desired.vtep.underlayMtu, 9000)
    }

    /// The leaf's bridge, VXLAN device, underlay port and tag protocol: stored, served in its desired state (defaults
    /// when not declared), and a change raises that leaf's generation only.
    func testLeafDevicesAreServedToTheLeaf() async throws {
        try await declareFacility()
        let plain = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual([plain.bridge, plain.vxlanDevice], ["plumbleaf", "plumbvx"])
        XCTAssertNil(plain.underlayPort)
        XCTAssertEqual(plain.vlanProtocol, .dot1q)

        var changed = Fixture.facility()
        changed.leaves[0].bridge = "br-exp"
        changed.leaves[0].vxlanDevice = "vx-exp"
        changed.leaves[0].underlayPort = "swp32"
        changed.leaves[0].vlanProtocol = .dot1ad
        try await store.putFacility(changed)
        let leaf = try await store.leafDesiredState(leaf: "leaf0")
        XCTAssertEqual(leaf.generation, plain.generation + 1)
        XCTAssertEqual([leaf.bridge, leaf.vxlanDevice, leaf.underlayPort], ["br-exp", "vx-exp", "swp32"])
        XCTAssertEqual(leaf.vlanProtocol, .dot1ad)
        let others = try await store.hosts().hosts.filter { $0.name != "leaf0" }.map(\.generation)
        XCTAssertEqual(Set(others), [1])
        let declared = try await store.facility()
        XCTAssertEqual(declared, changed)
    }

    func testAddingAndRemovingUnusedThings() async throws {
        try await declareFacility()
        var facility = Fixture.facility()
        facility.hypervisors.removeLast()
        facility.leaves.removeLast()
        facility.hypervisors[0].nics.removeLast()
        facility.hypervisors.append(Facility.Hypervisor(name: "hv9", vtepIp: IPv4Address("198.18.1.9")!, leaf: "leaf0"))
        try await store.putFacility(facility)
        let got = try await store.facility()
        XCTAssertEqual(got, facility)
        let hosts = try await store.hosts().hosts.map(\.name)
        XCTAssertEqual(hosts, ["hv0", "hv1", "hv9", "leaf0"])
        await assertRefused(404, "not_found", field: nil) { _ = try await self.store.hostDesiredState(host: "hv2") }
    }

    /// The NIC rows the allocator reads are the declared NICs after every change, whether a change touches a
    /// hypervisor's NICs (rewritten) or only its other facts (its NICs left as they are).
    func testNICRowsFollowTheDeclaration() async throws {
        try await declareFacility()
        var facility = Fixture.facility()
        facility.hypervisors[0].nics.removeLast()
        facility.hypervisors[0].nics[1].vfLimit = 6
        facility.hypervisors[1].underlayMtu = 9000
        facility.hypervisors[2].nics = [Facility.NIC(name: "eno7", pciAddress: PCIAddress("0000:af:00.0")!, leafPort: "swp21",
                                                     vfLimit: 3)]
        try await store.putFacility(facility)
        try await assertNICRows(facility)
        facility.hypervisors[1].nics.removeAll()
        try await store.putFacility(facility)
        try await assertNICRows(facility)
    }

    private func assertNICRows(_ facility: Facility, file: StaticString = #filePath, line: UInt = #line) async throws {
        let stored = try await rows("""
            SELECT hypervisor || ' ' || name || ' ' || pci_address || ' ' || leaf_port || ' ' || vf_limit || ' ' || may_mix
                   || ' ' || can_stack_vlans || ' ' || passthrough AS row
            FROM plumb.host_nics ORDER BY hypervisor, name
            """).map { try $0.string("row") }
        let declared = facility.hypervisors.flatMap { hypervisor in
            hypervisor.nics.map { "\(hypervisor.name) \($0.name) \($0.pciAddress) \($0.leafPort) \($0.vfLimit) \($0.mayMix) "
                                  + "\($0.canStackVlans) \($0.passthrough)" }
        }.sorted()
        XCTAssertEqual(stored, declared, file: file, line: line)
    }

    func testChangesToWhatIsInUseAreRefusedNamingTheUser() async throws {
        // leaf0 is 802.1ad: guest VLANs reach its VFs and passthrough NICs.
        let declared = try await declareFacility(Fixture.facility(leaf0Protocol: .dot1ad))
        let spec = Fixture.spec(
            networks: [MaterializationSpec.Network(name: "a", guestVlans: true)],
            vms: [("vm", "hv0", [MaterializationSpec.NIC(network: "a"),
                                 MaterializationSpec.NIC(network: "a", mechanism: .vfio, pf: "eno2"),
                                 MaterializationSpec.NIC(network: "a", mechanism: .passthrough, pf: "eno3")])])
        let materialization = try await store.materialize(id: "exp", spec: spec).materialization
        XCTAssertEqual(materialization.networks[0].vni, 7000)
        XCTAssertEqual(materialization.vms[0].nics[1].vlan, 102)

        func refused(_ field: String, _ change: (inout Facility) -> Void, file: StaticString = #filePath, line: UInt = #line) async throws {
            var facility = declared
            change(&facility)
            let before = try await allocationSnapshot()
            let error = await refusal({ try await self.store.putFacility(facility) }, file: file, line: line)
            XCTAssertEqual(error?.status, 409, file: file, line: line)
            XCTAssertEqual(error?.code, "in_use", file: file, line: line)
            XCTAssertEqual(error?.field, field, file: file, line: line)
            XCTAssertTrue(error?.message.contains("materialization exp") == true, "\(String(describing: error))", file: file, line: line)
            let after = try await allocationSnapshot()
            XCTAssertEqual(before, after, file: file, line: line)
            let got = try await store.facility()
            XCTAssertEqual(got, declared, file: file, line: line)
        }

        try await refused("vni_ranges") { $0.vniRanges = [Facility.NumberRange(first: 8000, last: 8100)] }
        try await refused("reserved_vnis") { $0.reservedVnis = [7000] }
        try await refused("leaves[0].vlan_range") { $0.leaves[0].vlanRange = Facility.NumberRange(first: 103, last: 109) }
        try await refused("leaves[0].reserved_vlans") { $0.leaves[0].reservedVlans = [102] }
        try await refused("leaves[0].vtep_ip") { $0.leaves[0].vtepIp = IPv4Address("198.18.0.99")! }
        try await refused("hypervisors[1].reserved_vlans") { $0.hypervisors[1].reservedVlans = [102] }
        try await refused("hypervisors") { $0.hypervisors.removeFirst() }
        try await refused("hypervisors[0].vtep_ip") { $0.hypervisors[0].vtepIp = IPv4Address("198.18.1.99")! }
        try await refused("hypervisors[0].leaf") { $0.hypervisors[0].leaf = "leaf1" }
        try await refused("hypervisors[0].underlay_nic") { $0.hypervisors[0].underlayNic = "eno4" }
        try await refused("hypervisors[0].nics") { $0.hypervisors[0].nics.remove(at: 1) }
        try await refused("hypervisors[0].nics[1].pci_address") { $0.hypervisors[0].nics[1].pciAddress = PCIAddress("0000:99:00.0")! }
        try await refused("hypervisors[0].nics[1].leaf_port") { $0.hypervisors[0].nics[1].leafPort = "swp99" }
        try await refused("hypervisors[0].nics[1].vf_limit") { $0.hypervisors[0].nics[1].vfLimit = 0 }
        try await refused("hypervisors[0].nics[1].can_stack_vlans") { $0.hypervisors[0].nics[1].canStackVlans = false }
        try await refused("hypervisors[0].nics[2].passthrough") { $0.hypervisors[0].nics[2].passthrough = false }
        // The leaf keeps its tag protocol (its VFs push it) and its devices while it carries VLANs.
        try await refused("leaves[0].vlan_protocol") { $0.leaves[0].vlanProtocol = .dot1q }
        try await refused("leaves[0].bridge") { $0.leaves[0].bridge = "br-other" }
        try await refused("leaves[0].vxlan_device") { $0.leaves[0].vxlanDevice = "vx-other" }

        // What is not in use may still change.
        var allowed = declared
        allowed.hypervisors[0].nics[1].vfLimit = 16
        allowed.leaves[0].underlayPort = "swp32"
        allowed.leaves[1].vlanProtocol = .dot1ad
        allowed.leaves[1].bridge = "br-other"
        allowed.hypervisors[2].underlayMtu = 1600
        try await store.putFacility(allowed)
    }

    func testMayMixCannotBeWithdrawnWhileMixed() async throws {
        try await declareFacility()
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio, .vfio], hypervisor: "hv1"))
        var facility = Fixture.facility()
        facility.hypervisors[1].nics[0].mayMix = false
        await assertRefused(409, "in_use", field: "hypervisors[1].nics[0].may_mix") { try await self.store.putFacility(facility) }
    }

    func testReleasedButNotTornDownStillCounts() async throws {
        try await declareFacility()
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio], hypervisor: "hv2"))
        try await store.dematerialize(id: "exp")
        var facility = Fixture.facility()
        facility.hypervisors.removeLast()
        facility.leaves.removeLast()
        await assertRefused(409, "in_use", field: "hypervisors") { try await self.store.putFacility(facility) }
        try await reportAllApplied()
        try await store.putFacility(facility)
        let hosts = try await store.hosts().hosts.map(\.name)
        XCTAssertEqual(hosts, ["hv0", "hv1", "leaf0"])
    }

    func testVTEPsMaySwapBetweenUnusedHosts() async throws {
        try await declareFacility()
        var facility = Fixture.facility()
        (facility.hypervisors[0].vtepIp, facility.hypervisors[1].vtepIp) = (facility.hypervisors[1].vtepIp, facility.hypervisors[0].vtepIp)
        try await store.putFacility(facility)
        let got = try await store.facility()
        XCTAssertEqual(got, facility)
    }
}
