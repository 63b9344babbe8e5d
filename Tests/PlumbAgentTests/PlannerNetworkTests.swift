import PlumbAgentKit
import PlumbModel
import XCTest

/// The planner's handling of VXLAN networks, bridges, taps and forwarding entries, against hand-written kernel states.
final class PlannerNetworkTests: XCTestCase {
    typealias F = PlannerFixture

    func testFromNothingCreatesBridgeThenVXLANThenEntriesThenTaps() {
        let plan = F.plan(F.desired, ObservedHost(links: F.baseLinks))
        XCTAssertEqual(plan.errors, [])
        XCTAssertEqual(plan.operations.map(\.action), [
            .createBridge(name: "plbr7001", mtu: 1450, alias: "plumb:vni 7001"),
            .setUp(link: "plbr7001"),
            .createVXLAN(name: "plvx7001", vni: 7001, local: F.local, port: 4789, underlay: "eth0", mtu: 1450, alias: "plumb:vni 7001"),
            .setMaster(link: "plvx7001", master: "plbr7001"),
            .setUp(link: "plvx7001"),
            .addFDB(device: "plvx7001", mac: .zero, dst: F.remoteB),
            .addFDB(device: "plvx7001", mac: .zero, dst: F.remoteC),
            .addFDB(device: "plvx7001", mac: F.remoteMAC, dst: F.remoteB),
            .createTap(name: "pltap1", mtu: 1450, alias: "plumb:mz1/vm1/eth0"),
            .setMaster(link: "pltap1", master: "plbr7001"),
            .setIsolated(link: "pltap1", isolated: true),
            .setUp(link: "pltap1"),
            .createTap(name: "pltap2", mtu: 1450, alias: "plumb:mz1/vm2/eth0"),
            .setMaster(link: "pltap2", master: "plbr7001"),
            .setIsolated(link: "pltap2", isolated: true),
            .setUp(link: "pltap2"),
        ])
        XCTAssertEqual(Set(plan.operations.prefix(8).map(\.item)), ["network 7001", "network 7001 fdb"])
        XCTAssertEqual(plan.operations[8].item, "tap pltap1")
        XCTAssertEqual(plan.operations[8].parentItem, "network 7001")
    }

    func testConvergedStatePlansNothing() {
        XCTAssertEqual(F.plan(F.desired, F.converged), Plan())
    }

    func testRemovedNICDeletesOnlyItsTap() {
        var desired = F.desired
        desired.networks[0].taps.removeLast()
        XCTAssertEqual(F.plan(desired, F.converged).operations, [Operation(item: "link pltap2", .deleteLink(name: "pltap2"))])
    }

    func testVTEPAddedToFloodListAppendsOneEntry() {
        var desired = F.desired
        let remoteD = IPv4Address("198.18.0.4")!
        desired.networks[0].flood.append(remoteD)
        XCTAssertEqual(F.plan(desired, F.converged).operations.map(\.action),
                       [.addFDB(device: "plvx7001", mac: .zero, dst: remoteD)])
    }

    func testMovedMACIsDeletedBeforeItIsAddedAgain() {
        var desired = F.desired
        desired.networks[0].fdb = [HostDesiredState.FDBEntry(mac: F.remoteMAC, vtep: F.remoteC)]
        XCTAssertEqual(F.plan(desired, F.converged).operations.map(\.action), [
            .deleteFDB(device: "plvx7001", mac: F.remoteMAC, dst: F.remoteB),
            .addFDB(device: "plvx7001", mac: F.remoteMAC, dst: F.remoteC),
        ])
    }

    func testStaleOwnedDevicesAreRemovedTapsFirstAndOthersLeftAlone() {
        var observed = F.converged
        observed.links += [
            ObservedLink(index: 20, name: "plbr7002", kind: .bridge, group: F.group, alias: "plumb:vni 7002"),
            ObservedLink(index: 21, name: "plvx7002", kind: .vxlan, masterIndex: 20, group: F.group, alias: "plumb:vni 7002",
                         vxlan: ObservedVXLAN(vni: 7002, local: F.local, port: 4789, learning: false)),
            ObservedLink(index: 22, name: "pltap9", kind: .tap, masterIndex: 20, group: F.group, alias: "plumb:mz0/vm9/eth0"),
            // Interrupted between create (group) and alias: still Plumb's.
            ObservedLink(index: 23, name: "plbr7003", kind: .bridge, group: F.group),
            // Not Plumb's: no group, a foreign alias, or the group without Plumb's alias prefix.
            ObservedLink(index: 30, name: "plbr7004", kind: .bridge),
            ObservedLink(index: 31, name: "plvx7005", kind: .vxlan, alias: "plumb:vni 7005"),
            ObservedLink(index: 32, name: "br-ops", kind: .bridge, group: F.group, alias: "operators"),
        ]
        XCTAssertEqual(F.plan(F.desired, observed).operations, [
            Operation(item: "link pltap9", .deleteLink(name: "pltap9")),
            Operation(item: "link plvx7002", .deleteLink(name: "plvx7002")),
            Operation(item: "link plbr7002", .deleteLink(name: "plbr7002")),
            Operation(item: "link plbr7003", .deleteLink(name: "plbr7003")),
        ])
    }

    func testUnownedLookAlikeIsAnItemErrorAndLeftAlone() {
        var desired = F.desired
        desired.networks.append(HostDesiredState.Network(vni: 7002, isolated: false, flood: [], fdb: [],
                                                         taps: [F.tap("pltap3", vm: "vm3")]))
        var observed = F.converged
        observed.links.append(ObservedLink(index: 40, name: "plbr7002", kind: .bridge, mtu: 1500))
        observed.links.append(ObservedLink(index: 41, name: "pltap3", kind: .tap, mtu: 1500))
        let plan = F.plan(desired, observed)
        XCTAssertEqual(plan.operations, [])
        XCTAssertEqual(plan.errors.map(\.item), ["network 7002"])
        XCTAssertTrue(plan.errors[0].message.contains("plbr7002 exists and is not Plumb's"), plan.errors[0].message)

        // The same for a tap alone: the rest of its network is still planned.
        observed.links.removeAll { $0.name == "plbr7002" }
        let tapPlan = F.plan(desired, observed)
        XCTAssertEqual(tapPlan.errors.map(\.item), ["tap pltap3"])
        XCTAssertFalse(tapPlan.operations.contains { $0.action == .deleteLink(name: "pltap3") })
        XCTAssertTrue(tapPlan.operations.contains { $0.action == .createBridge(name: "plbr7002", mtu: 1450, alias: "plumb:vni 7002") })
        XCTAssertFalse(tapPlan.operations.contains { $0.item == "tap pltap3" })
    }

    func testDriftedAttributesAreFixed() {
        var observed = F.changing(F.converged, "plvx7001") { $0.mtu = 1400; $0.isolated = true }
        observed = F.changing(observed, "pltap1") { $0.masterIndex = nil; $0.isolated = nil; $0.mtu = 1500; $0.isUp = false }
        observed = F.changing(observed, "pltap2") { $0.isolated = false }
        observed = F.changing(observed, "plbr7001") { $0.isUp = false }
        XCTAssertEqual(F.plan(F.desired, observed).operations.map(\.action), [
            .setUp(link: "plbr7001"),
            .setIsolated(link: "plvx7001", isolated: false),
            .setMTU(link: "plvx7001", mtu: 1450),
            .setMaster(link: "pltap1", master: "plbr7001"),
            .setIsolated(link: "pltap1", isolated: true),
            .setMTU(link: "pltap1", mtu: 1450),
            .setUp(link: "pltap1"),
            .setIsolated(link: "pltap2", isolated: true),
        ])
    }

    func testTapMovedToANewNetworkIsReEnslavedWithoutIsolation() {
        var desired = F.desired
        let moved = desired.networks[0].taps.removeLast()
        desired.networks.append(HostDesiredState.Network(vni: 7002, isolated: false, flood: [], fdb: [], taps: [moved]))
        XCTAssertEqual(F.plan(desired, F.converged).operations.map(\.action), [
            .createBridge(name: "plbr7002", mtu: 1450, alias: "plumb:vni 7002"),
            .setUp(link: "plbr7002"),
            .createVXLAN(name: "plvx7002", vni: 7002, local: F.local, port: 4789, underlay: "eth0", mtu: 1450, alias: "plumb:vni 7002"),
            .setMaster(link: "plvx7002", master: "plbr7002"),
            .setUp(link: "plvx7002"),
            .setMaster(link: "pltap2", master: "plbr7002"),
        ])
    }

    func testInterruptedCreationAndStaleAliasesAreCompleted() {
        // Created with the group but killed before the alias was set; a tap whose alias names an older VM.
        var observed = F.changing(F.converged, "plbr7001") { $0.alias = nil }
        observed = F.changing(observed, "pltap2") { $0.alias = "plumb:mz0/vm0/eth0" }
        XCTAssertEqual(F.plan(F.desired, observed).operations.map(\.action), [
            .setAlias(link: "plbr7001", alias: "plumb:vni 7001"),
            .setAlias(link: "pltap2", alias: "plumb:mz1/vm2/eth0"),
        ])
    }

    func testVXLANParameterMismatchRecreatesTheDeviceAndItsEntries() {
        for change in [{ (vxlan: inout ObservedVXLAN) in vxlan.vni = 7999 }, { $0.local = IPv4Address("198.18.0.9")! },
                       { $0.port = 8472 }, { $0.learning = true }] {
            let observed = F.changing(F.converged, "plvx7001") { change(&$0.vxlan!) }
            XCTAssertEqual(F.plan(F.desired, observed).operations.map(\.action), [
                .deleteLink(name: "plvx7001"),
                .createVXLAN(name: "plvx7001", vni: 7001, local: F.local, port: 4789, underlay: "eth0", mtu: 1450,
                             alias: "plumb:vni 7001"),
                .setMaster(link: "plvx7001", master: "plbr7001"),
                .setUp(link: "plvx7001"),
                .addFDB(device: "plvx7001", mac: .zero, dst: F.remoteB),
                .addFDB(device: "plvx7001", mac: .zero, dst: F.remoteC),
                .addFDB(device: "plvx7001", mac: F.remoteMAC, dst: F.remoteB),
            ])
        }
    }

    func testOwnedDeviceOfTheWrongKindIsReplaced() {
        let observed = F.changing(F.converged, "pltap2") { $0.kind = .bridge; $0.isolated = nil; $0.masterIndex = nil }
        XCTAssertEqual(F.plan(F.desired, observed).operations, [
            Operation(item: "tap pltap2", .deleteLink(name: "pltap2")),
            Operation(item: "tap pltap2", parentItem: "network 7001", .createTap(name: "pltap2", mtu: 1450, alias: "plumb:mz1/vm2/eth0")),
            Operation(item: "tap pltap2", parentItem: "network 7001", .setMaster(link: "pltap2", master: "plbr7001")),
            Operation(item: "tap pltap2", parentItem: "network 7001", .setIsolated(link: "pltap2", isolated: true)),
            Operation(item: "tap pltap2", parentItem: "network 7001", .setUp(link: "pltap2")),
        ])
    }

    func testMTUFollowsTheUnderlayOrTheOverride() {
        var desired = F.desired
        desired.vtep.underlayMtu = 9000
        XCTAssertTrue(F.plan(desired, ObservedHost(links: F.baseLinks)).operations.contains {
            $0.action == .createBridge(name: "plbr7001", mtu: 8950, alias: "plumb:vni 7001")
        })
        var configuration = F.configuration
        configuration.mtuOverride = 1400
        let plan = F.plan(F.desired, F.converged, configuration: configuration)
        XCTAssertEqual(plan.operations.map(\.action), ["plbr7001", "plvx7001", "pltap1", "pltap2"].map { .setMTU(link: $0, mtu: 1400) })
    }

    func testTheNetworksOwnMTUWinsOverUnderlayAndOverride() {
        var desired = F.desired
        desired.networks[0].mtu = 1400
        desired.vtep.underlayMtu = 9000
        var configuration = F.configuration
        configuration.mtuOverride = 1300
        // Every device of the network follows the controller's MTU, whatever this host's underlay or override says.
        XCTAssertEqual(F.plan(desired, F.converged, configuration: configuration).operations.map(\.action),
                       ["plbr7001", "plvx7001", "pltap1", "pltap2"].map { .setMTU(link: $0, mtu: 1400) })
        let fresh = F.plan(desired, ObservedHost(links: F.baseLinks)).operations.map(\.action)
        XCTAssertTrue(fresh.contains(.createBridge(name: "plbr7001", mtu: 1400, alias: "plumb:vni 7001")))
        XCTAssertTrue(fresh.contains(.createTap(name: "pltap1", mtu: 1400, alias: "plumb:mz1/vm1/eth0")))
        XCTAssertTrue(fresh.contains { if case .createVXLAN(_, _, _, _, _, 1400, _) = $0 { return true } else { return false } })
        // The same MTU as the converged state's (1450): nothing to do.
        desired.networks[0].mtu = 1450
        XCTAssertEqual(F.plan(desired, F.converged, configuration: configuration), Plan())
        // An MTU no device can take is refused for its network, naming where it came from.
        desired.networks[0].mtu = 40
        XCTAssertEqual(F.plan(desired, F.converged).errors,
                       [HostStatusReport.ItemError(item: "network 7001", message: "mtu 40 (the network's mtu) is outside 68...65535")])
    }

    func testInvalidItemsAreRefusedAndTheRestPlanned() {
        var desired = F.desired
        desired.networks[0].taps.append(F.tap("a-name-far-too-long", vm: "vm4"))
        desired.networks[0].taps.append(F.tap("pltap1", vm: "vm5"))
        desired.networks.append(HostDesiredState.Network(vni: 0x100_0000, isolated: true, flood: [], fdb: [], taps: []))
        desired.networks.append(F.network)
        let plan = F.plan(desired, F.converged)
        XCTAssertEqual(plan.operations, [])
        XCTAssertEqual(plan.errors.map(\.item), ["network 16777216", "network 7001", "tap a-name-far-too-long", "tap pltap1"])
    }

    func testCleanupRemovesEveryOwnedDeviceAndNothingElse() {
        var observed = F.converged
        observed.links.append(ObservedLink(index: 30, name: "plbr7004", kind: .bridge))
        XCTAssertEqual(Planner.cleanup(observed: observed, configuration: F.configuration).operations.map(\.action), [
            .deleteLink(name: "pltap1"), .deleteLink(name: "pltap2"), .deleteLink(name: "plvx7001"), .deleteLink(name: "plbr7001"),
        ])
    }
}
