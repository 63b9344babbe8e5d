import PlumbAgentKit
import PlumbModel
import PlumbTestSupport
import XCTest

/// The leaf planner without IO: plans from hand-written kernel states, and plans carried out on a small model of the
/// kernel's bridge (what `LeafKernelTests` checks against the real one) to show that a second plan is empty.
final class LeafPlannerTests: XCTestCase {
    private let configuration = AgentConfiguration(sysfsRoot: "/nonexistent", stateDirectory: "/nonexistent")
    private let desired = LeafFixture.desired

    private var bare: ObservedLeaf {
        ObservedLeaf(links: [
            ObservedLink(index: 1, name: "lo", kind: .other(nil)),
            ObservedLink(index: 2, name: "uplink", kind: .other(nil)),
            ObservedLink(index: 3, name: "swp1", kind: .other(nil), isUp: false),
            ObservedLink(index: 4, name: "swp2", kind: .other(nil)),
            ObservedLink(index: 5, name: "swp3", kind: .other(nil)),
        ])
    }

    private func plan(_ desired: LeafDesiredState, _ observed: ObservedLeaf) -> Plan {
        LeafPlanner.plan(desired: desired, observed: observed, configuration: configuration)
    }

    func testFromNothingMakesBridgeThenVXLANThenPortsThenMappings() {
        let result = plan(desired, bare)
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.operations.map(\.description), [
            "create bridge plumbleaf vlan_filtering 1 vlan_default_pvid 0 vlan_protocol 802.1Q",
            "set plumbleaf up",
            "create vxlan plumbvx local 198.18.1.1 dstport 4789 dev uplink nolearning external vnifilter",
            "set plumbvx master plumbleaf",
            "set bridge port plumbvx vlan_tunnel on",
            "set plumbvx up",
            "set swp1 master plumbleaf",
            "set swp1 up",
            "add vlan 100 to swp1",
            "add vlan 101 to swp1",
            "set swp2 master plumbleaf",
            "add vlan 102 to swp2 pvid untagged",
            "add fdb 02:00:00:00:00:a1 dev swp1 vlan 100 master static",
            "add vni 5000 to plumbvx",
            "add vlan 100 to plumbvx",
            "map vlan 100 to vni 5000 on plumbvx",
            "add fdb 00:00:00:00:00:00 dev plumbvx dst 198.18.0.1 src_vni 5000",
            "add fdb 00:00:00:00:00:00 dev plumbvx dst 198.18.0.2 src_vni 5000",
            "add fdb 02:00:00:00:00:b1 dev plumbvx dst 198.18.0.2 src_vni 5000",
            "add vni 5001 to plumbvx",
            "add vlan 101 to plumbvx",
            "map vlan 101 to vni 5001 on plumbvx",
            "add fdb 00:00:00:00:00:00 dev plumbvx dst 198.18.0.2 src_vni 5001",
            "add vni 5002 to plumbvx",
            "add vlan 102 to plumbvx",
            "map vlan 102 to vni 5002 on plumbvx",
        ])
        XCTAssertEqual(Set(result.operations.map(\.item)),
                       ["bridge plumbleaf", "vxlan plumbvx", "port swp1", "port swp2", "vni 5000", "vni 5001", "vni 5002"])
        XCTAssertTrue(result.operations.filter { $0.item.hasPrefix("vni") }.allSatisfy { $0.parentItem == "vxlan plumbvx" })
    }

    func testAppliedPlanPlansNothingMoreAndSurvivesARestart() {
        var kernel = LeafKernelModel(observed: bare, configuration: configuration)
        kernel.apply(plan(desired, bare))
        // A restarted agent knows nothing but the kernel: the same document plans nothing.
        XCTAssertEqual(plan(desired, kernel.observed), Plan())
    }

    func testChangesRemoveWhatIsNoLongerWantedBeforeAdding() {
        var kernel = LeafKernelModel(observed: bare, configuration: configuration)
        kernel.apply(plan(desired, bare))
        // The passthrough NIC is gone, VNI 5001's network is gone, hv1 left VNI 5000 and the remote MAC moved to hv1.
        let next = LeafFixture.shrunk
        let result = plan(next, kernel.observed)
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(result.operations.map(\.description), [
            "set swp2 nomaster",
            "delete fdb 02:00:00:00:00:a1 dev swp1 vlan 100 master",
            "delete vlan 101 from swp1",
            "delete fdb 00:00:00:00:00:00 dev plumbvx dst 198.18.0.1 src_vni 5000",
            "delete fdb 02:00:00:00:00:b1 dev plumbvx dst 198.18.0.2 src_vni 5000",
            "delete fdb 00:00:00:00:00:00 dev plumbvx dst 198.18.0.2 src_vni 5001",
            "unmap vlan 101 from vni 5001 on plumbvx",
            "delete vlan 101 from plumbvx",
            "delete vni 5001 from plumbvx",
            "add fdb 02:00:00:00:00:b1 dev plumbvx dst 198.18.0.1 src_vni 5000",
        ])
        kernel.apply(result)
        XCTAssertEqual(plan(next, kernel.observed), Plan())
    }

    func testANewVTEPAddressRemakesTheVXLANDeviceWithEverythingOnIt() {
        var kernel = LeafKernelModel(observed: bare, configuration: configuration)
        kernel.apply(plan(desired, bare))
        var moved = desired
        moved.vtepIp = IPv4Address("198.18.1.9")!
        let result = plan(moved, kernel.observed)
        XCTAssertEqual(result.operations.first?.description, "delete link plumbvx")
        XCTAssertEqual(result.operations.filter { if case .addVLANTunnel = $0.action { return true } else { return false } }.count, 3)
        XCTAssertFalse(result.operations.contains { $0.item.hasPrefix("port") }, "ports keep their VLANs")
        kernel.apply(result)
        XCTAssertEqual(plan(moved, kernel.observed), Plan())
    }

    func testForeignDevicesAndPortsAreLeftAloneAndReported() {
        var observed = bare
        observed.links.append(ObservedLink(index: 20, name: "plumbleaf", kind: .bridge))
        XCTAssertEqual(plan(desired, observed).operations, [])
        XCTAssertEqual(plan(desired, observed).errors.map(\.item), ["bridge plumbleaf"])

        // swp2 belongs to another bridge: reported, never taken; everything else still planned.
        observed = bare
        observed.links.append(ObservedLink(index: 21, name: "br-ops", kind: .bridge))
        observed.links[3].masterIndex = 21
        let result = plan(desired, observed)
        XCTAssertEqual(result.errors.map(\.item), ["port swp2"])
        XCTAssertTrue(result.errors[0].message.contains("br-ops"), result.errors[0].message)
        XCTAssertFalse(result.operations.contains { $0.item == "port swp2" })
        XCTAssertTrue(result.operations.contains { $0.description == "set swp1 master plumbleaf" })
    }

    func testMissingPortOrUnderlayIsAnItemError() {
        var observed = bare
        observed.links.removeAll { $0.name == "swp2" || $0.name == "uplink" }
        let result = plan(desired, observed)
        XCTAssertEqual(result.errors.map(\.item), ["vxlan plumbvx", "port swp2"])
        XCTAssertFalse(result.operations.contains { $0.item.hasPrefix("vni") || $0.item == "vxlan plumbvx" })
    }

    func testDevicesAreNamedAndProtocolTakenFromTheDocument() {
        var named = desired
        named.bridge = "br-exp"
        named.vxlanDevice = "vx-exp"
        named.underlayPort = "swp3"
        named.vlanProtocol = .dot1ad
        let result = plan(named, bare)
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(Array(result.operations.map(\.description).prefix(4)), [
            "create bridge br-exp vlan_filtering 1 vlan_default_pvid 0 vlan_protocol 802.1ad",
            "set br-exp up",
            "create vxlan vx-exp local 198.18.1.1 dstport 4789 dev swp3 nolearning external vnifilter",
            "set vx-exp master br-exp",
        ])
        XCTAssertTrue(result.operations.contains { $0.description == "set swp1 master br-exp" })
    }

    func testRenamedDevicesReplaceTheOldOnesAndPortsMove() {
        var kernel = LeafKernelModel(observed: bare, configuration: configuration)
        kernel.apply(plan(desired, bare))
        var renamed = desired
        renamed.generation = 2
        renamed.bridge = "br-exp"
        renamed.vxlanDevice = "vx-exp"
        let result = plan(renamed, kernel.observed)
        XCTAssertEqual(result.errors, [])
        XCTAssertEqual(Array(result.operations.map(\.description).prefix(3)), [
            "delete link plumbleaf", "delete link plumbvx", "create bridge br-exp vlan_filtering 1 vlan_default_pvid 0 vlan_protocol 802.1Q",
        ])
        kernel.apply(result)
        XCTAssertEqual(Set(kernel.observed.links.map(\.name)), ["lo", "uplink", "swp1", "swp2", "swp3", "br-exp", "vx-exp"])
        XCTAssertEqual(plan(renamed, kernel.observed), Plan())
        XCTAssertEqual(LeafPlanner.cleanup(observed: kernel.observed, configuration: configuration).operations.map(\.description),
                       ["delete link vx-exp", "delete link br-exp"])
    }

    func testAGuestVLANNetworkGetsAVXLANDeviceOfItsOwn() {
        let guest = LeafFixture.withGuestVLANs
        let result = plan(guest, bare)
        XCTAssertEqual(result.errors, [])
        let descriptions = result.operations.map(\.description)
        // Made like the shared device, then its VNI, its VLAN as PVID (sent tagged, for the mapping), its entries.
        XCTAssertEqual(result.operations.filter { $0.item == "vxlan plgv5003" }.map(\.description), [
            "create vxlan plgv5003 local 198.18.1.1 dstport 4789 dev uplink nolearning external vnifilter",
            "set plgv5003 master plumbleaf",
            "set bridge port plgv5003 vlan_tunnel on",
            "set plgv5003 up",
        ])
        XCTAssertEqual(result.operations.filter { $0.parentItem == "vxlan plgv5003" }.map(\.description), [
            "add vni 5003 to plgv5003",
            "add vlan 103 to plgv5003 pvid",
            "map vlan 103 to vni 5003 on plgv5003",
            "add fdb 00:00:00:00:00:00 dev plgv5003 dst 198.18.0.2 src_vni 5003",
            "add fdb 02:00:00:00:00:c1 dev plgv5003 dst 198.18.0.2 src_vni 5003",
        ])
        XCTAssertTrue(result.operations.filter { $0.parentItem == "vxlan plgv5003" }.allSatisfy { $0.item == "vni 5003" })
        // Nothing of VNI 5003 on the shared device; the trunk carries VLAN 103 tagged like the others.
        XCTAssertFalse(descriptions.contains { $0.contains("5003") && $0.contains("plumbvx") }, "\(descriptions)")
        XCTAssertTrue(descriptions.contains("add vlan 103 to swp1"))
        // The shared device's mappings come first.
        let shared = try? XCTUnwrap(descriptions.firstIndex(of: "map vlan 100 to vni 5000 on plumbvx"))
        let own = try? XCTUnwrap(descriptions.firstIndex(of: "add vni 5003 to plgv5003"))
        XCTAssertLessThan(shared ?? .max, own ?? .min)

        var kernel = LeafKernelModel(observed: bare, configuration: configuration)
        kernel.apply(result)
        XCTAssertEqual(plan(guest, kernel.observed), Plan(), "a restarted agent plans nothing more")
        XCTAssertEqual(LeafPlanner.cleanup(observed: kernel.observed, configuration: configuration).operations.map(\.description),
                       ["delete link plumbvx", "delete link plgv5003", "delete link plumbleaf"])
    }

    func testAGuestVLANNetworksDeviceGoesWithItAndIsFixedWhenItDiffers() {
        var kernel = LeafKernelModel(observed: bare, configuration: configuration)
        kernel.apply(plan(LeafFixture.withGuestVLANs, bare))
        // Its network gone: the device goes (its port, VLAN, mapping and entries with it), and the trunk's VLAN.
        let gone = plan(desired, kernel.observed)
        XCTAssertEqual(gone.operations.map(\.description), ["delete link plgv5003", "delete vlan 103 from swp1"])
        // A new VTEP address: the network's device is made anew too, with everything on it.
        var moved = LeafFixture.withGuestVLANs
        moved.vtepIp = IPv4Address("198.18.1.9")!
        let remade = plan(moved, kernel.observed)
        XCTAssertTrue(remade.operations.map(\.description).starts(with: ["delete link plumbvx"]), "\(remade.operations)")
        XCTAssertTrue(remade.operations.contains { $0.description == "delete link plgv5003" })
        XCTAssertTrue(remade.operations.contains { $0.description == "add vlan 103 to plgv5003 pvid" })
        kernel.apply(remade)
        XCTAssertEqual(plan(moved, kernel.observed), Plan())
    }

    func testAForeignDeviceWithAGuestVLANDevicesNameIsReportedAndTheRestApplied() {
        var observed = bare
        observed.links.append(ObservedLink(index: 30, name: "plgv5003", kind: .vxlan))
        let result = plan(LeafFixture.withGuestVLANs, observed)
        XCTAssertEqual(result.errors.map(\.item), ["vxlan plgv5003"])
        XCTAssertFalse(result.operations.contains { $0.description.contains("plgv5003") })
        XCTAssertTrue(result.operations.contains { $0.description == "map vlan 100 to vni 5000 on plumbvx" })
    }

    func testCleanupDeletesOnlyPlumbsDevices() {
        var kernel = LeafKernelModel(observed: bare, configuration: configuration)
        kernel.apply(plan(desired, bare))
        XCTAssertEqual(LeafPlanner.cleanup(observed: kernel.observed, configuration: configuration).operations.map(\.description),
                       ["delete link plumbvx", "delete link plumbleaf"])
        XCTAssertEqual(LeafPlanner.cleanup(observed: bare, configuration: configuration), Plan())
    }
}

/// A model of what the kernel does with the leaf's operations, enough to replay a plan: devices, ports, port VLANs,
/// VLAN→VNI mappings, VNI filters and forwarding entries, including what the kernel drops when a port leaves a bridge.
struct LeafKernelModel {
    var observed: ObservedLeaf
    let configuration: AgentConfiguration
    private var nextIndex: Int32 = 100

    init(observed: ObservedLeaf, configuration: AgentConfiguration) {
        self.observed = observed
        self.configuration = configuration
    }

    private func index(_ name: String) -> Int32 {
        guard let link = observed.links.first(where: { $0.name == name }) else { fatalError("no device \(name) in the model") }
        return link.index
    }

    private mutating func edit(_ name: String, _ change: (inout ObservedLink) -> Void) {
        guard let position = observed.links.firstIndex(where: { $0.name == name }) else { fatalError("no device \(name)") }
        change(&observed.links[position])
    }

    /// A port leaves its bridge: its VLANs, mappings, flag and the bridge's entries on it go.
    private mutating func detach(_ port: Int32) {
        guard let position = observed.links.firstIndex(where: { $0.index == port }) else { return }
        observed.links[position].masterIndex = nil
        observed.links[position].vlanTunnel = nil
        observed.portVLANs[port] = nil
        observed.tunnels[port] = nil
        observed.bridgeFDB.removeAll { $0.port == port }
    }

    mutating func apply(_ plan: Plan) {
        for operation in plan.operations { apply(operation.action) }
    }

    mutating func apply(_ action: Action) {
        switch action {
        case .createVLANBridge(let name, let vlanProtocol, let alias):
            nextIndex += 1
            observed.links.append(ObservedLink(index: nextIndex, name: name, kind: .bridge, isUp: false, group: configuration.linkGroup,
                                               alias: alias, vlanFiltering: vlanProtocol))
        case .createExternalVXLAN(let name, let local, let port, let underlay, let alias):
            nextIndex += 1
            observed.links.append(ObservedLink(
                index: nextIndex, name: name, kind: .vxlan, isUp: false, group: configuration.linkGroup, alias: alias,
                vxlan: ObservedVXLAN(vni: 0, local: local, port: port, learning: false, underlayIndex: underlay.map(index),
                                     externalVNIFilter: true)))
        case .deleteLink(let name):
            let gone = index(name)
            for port in observed.links where port.masterIndex == gone { detach(port.index) }
            detach(gone)
            observed.links.removeAll { $0.index == gone }
            observed.vniFilters[gone] = nil
            observed.vniFDB.removeAll { $0.index == gone }
        case .setMaster(let link, let master):
            detach(index(link))
            let masterIndex = index(master)
            edit(link) { $0.masterIndex = masterIndex; $0.vlanTunnel = false }
        case .releasePort(let link):
            detach(index(link))
        case .setUp(let link):
            edit(link) { $0.isUp = true }
        case .setVLANTunnel(let link):
            edit(link) { $0.vlanTunnel = true }
        case .addPortVLAN(let port, let vlan, let mode):
            let port = index(port)
            observed.portVLANs[port, default: []] = observed.portVLANs[port, default: []].filter { $0.vlan != vlan }
                .union([PortVLAN(vlan: vlan, mode: mode)])
        case .deletePortVLAN(let port, let vlan):
            let port = index(port)
            observed.portVLANs[port] = observed.portVLANs[port]?.filter { $0.vlan != vlan }
            observed.tunnels[port]?[vlan] = nil
        case .addVLANTunnel(let device, let vlan, let vni):
            observed.tunnels[index(device), default: [:]][vlan] = vni
        case .deleteVLANTunnel(let device, let vlan, _):
            observed.tunnels[index(device)]?[vlan] = nil
        case .addVNI(let device, let vni):
            observed.vniFilters[index(device), default: []].insert(vni)
        case .deleteVNI(let device, let vni):
            observed.vniFilters[index(device)]?.remove(vni)
        case .addVNIFDB(let device, let mac, let dst, let vni):
            let device = index(device)
            if mac != .zero { observed.vniFDB.removeAll { $0.index == device && $0.mac == mac && $0.vni == vni } }
            let entry = ObservedVNIFDBEntry(index: device, mac: mac, dst: dst, vni: vni)
            if !observed.vniFDB.contains(entry) { observed.vniFDB.append(entry) }
        case .deleteVNIFDB(let device, let mac, let dst, let vni):
            let entry = ObservedVNIFDBEntry(index: index(device), mac: mac, dst: dst, vni: vni)
            observed.vniFDB.removeAll { $0 == entry }
        case .addBridgeFDB(let port, let mac, let vlan):
            let port = index(port)
            guard let master = observed.links.first(where: { $0.index == port })?.masterIndex else { fatalError("not a port") }
            observed.bridgeFDB.removeAll { $0.master == master && $0.mac == mac && $0.vlan == vlan }
            observed.bridgeFDB.append(ObservedBridgeFDBEntry(master: master, port: port, mac: mac, vlan: vlan))
        case .deleteBridgeFDB(let port, let mac, let vlan):
            let port = index(port)
            observed.bridgeFDB.removeAll { $0.port == port && $0.mac == mac && $0.vlan == vlan }
        default:
            fatalError("not a leaf action: \(action)")
        }
    }
}
