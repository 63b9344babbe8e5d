import Foundation
import Logging
import PlumbAgentKit
import PlumbModel
import PlumbTestSupport
import XCTest

/// Frames through a leaf switch on a real kernel: a namespace plays the leaf (plumbed by the leaf reconciler), another
/// a hypervisor with VTEP (plumbed by the hypervisor reconciler), and small namespaces the machines at the ends:
///
/// - `vf`: a VF stand-in behind leaf port swp1, sending VLAN 100 tagged exactly as VST puts it on the wire (802.1Q, or
///   an 802.1ad S-tag when the VF stacks over guest tags);
/// - `pt`: a passthrough NIC stand-in on access port swp2 (VLAN 102, untagged);
/// - `vm5000`, `vm5002`: ports of the hypervisor's VNI 5000 and 5002 bridges (virtio VMs' stand-ins).
///
/// All four share one IP subnet, so only the plumbing decides who reaches whom: the VF reaches the VM of VNI 5000,
/// the passthrough NIC the VM of VNI 5002, and neither reaches the other's network. After the leaf's document loses
/// both networks (dematerialized), nothing crosses and the leaf holds nothing of them. Guest-VLAN networks on an
/// 802.1ad leaf: guests' own C-tagged frames cross both ways with their tag kept.
///
/// Needs VLAN-filtering bridges: skipped here, run inside `scripts/kernel-lane.sh` by `KernelLaneTests`.
final class LeafFramesTests: XCTestCase {
    private let leafVTEP = IPv4Address("198.18.1.1")!
    private let hypervisorVTEP = IPv4Address("198.18.1.2")!
    private let configuration = AgentConfiguration(sysfsRoot: "/nonexistent", stateDirectory: "/nonexistent")

    override func setUpWithError() throws {
        try requireVLANFilteringBridges()
    }

    private func leafDocument(generation: Int64, networks: Bool, vlanProtocol: VLANProtocol) -> LeafDesiredState {
        LeafDesiredState(
            leaf: "leaf1", generation: generation, vtepIp: leafVTEP, underlayPort: "uplink", vlanProtocol: vlanProtocol,
            vlans: networks ? [.init(vlan: 100, vni: 5000, flood: [hypervisorVTEP]), .init(vlan: 102, vni: 5002, flood: [hypervisorVTEP])] : [],
            accessPorts: networks ? [.init(port: "swp2", vlan: 102, hypervisor: "hv1", pciAddress: PCIAddress("0000:3b:00.0")!)] : [],
            taggedPorts: networks ? [.init(port: "swp1", hypervisor: "hv1", vlans: [100])] : [])
    }

    private func reaches(_ from: NetworkNamespace, _ address: String) throws -> Bool {
        try LeafStandIns.reaches(from, address)
    }

    /// The underlay: the leaf's uplink and the hypervisor's ul0 on one link.
    private func wireUnderlay(leaf: NetworkNamespace, hypervisor: NetworkNamespace) throws {
        try leaf.ip("link", "add", "uplink", "type", "veth", "peer", "name", "ul0", "netns", hypervisor.name)
        try leaf.ip("address", "add", "\(leafVTEP)/24", "dev", "uplink")
        try leaf.ip("link", "set", "uplink", "up")
        try hypervisor.ip("address", "add", "\(hypervisorVTEP)/24", "dev", "ul0")
        try hypervisor.ip("link", "set", "ul0", "up")
    }

    /// A VF stand-in cabled to `port` of the leaf: its VLAN device `vst` tags `vlan` with `vlanProtocol` as VST does.
    private func vfStandIn(_ vf: NetworkNamespace, cabledTo port: String, of leaf: NetworkNamespace, vlan: Int,
                           vlanProtocol: VLANProtocol, address: String) throws {
        try leaf.ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", vf.name)
        try vf.ip("link", "set", "eth0", "up")
        try vf.ip("link", "add", "link", "eth0", "name", "vst", "type", "vlan", "protocol", vlanProtocol.rawValue, "id", String(vlan))
        try vf.ip("address", "add", "\(address)/24", "dev", "vst")
        try vf.ip("link", "set", "vst", "up")
    }

    /// The hypervisor: Plumb's bridges and VXLAN devices for each VM's VNI, flooding to the leaf, and each VM's `eth0` a
    /// port of its VNI's bridge with `address`.
    private func plumbHypervisor(_ hypervisor: NetworkNamespace, vms: [(vm: NetworkNamespace, vni: Int, address: String)]) throws {
        let host = HostDesiredState(host: "hv2", generation: 1,
                                    vtep: .init(localIp: hypervisorVTEP, underlayNic: "ul0", underlayMtu: 1500),
                                    networks: vms.map { .init(vni: $0.vni, isolated: false, flood: [leafVTEP], fdb: [], taps: []) })
        let configuration = configuration
        let hostReport = try hypervisor.run {
            try Reconciler(configuration: configuration, logger: Logger(label: "leaf-frames")).apply(host)
        }
        XCTAssertEqual(hostReport.errors, [])
        for (vm, vni, address) in vms {
            try hypervisor.ip("link", "add", "vm\(vni)", "type", "veth", "peer", "name", "eth0", "netns", vm.name)
            try hypervisor.ip("link", "set", "vm\(vni)", "master", "plbr\(vni)", "up")
            try vm.ip("address", "add", "\(address)/24", "dev", "eth0")
            try vm.ip("link", "set", "eth0", "up")
        }
    }

    private func checkFrames(vfProtocol: VLANProtocol) throws {
        let leafNS = try NetworkNamespace(prefix: "pleaf"), hv = try NetworkNamespace(prefix: "phv")
        let vf = try NetworkNamespace(prefix: "pvf"), pt = try NetworkNamespace(prefix: "ppt")
        let vm5000 = try NetworkNamespace(prefix: "pvm"), vm5002 = try NetworkNamespace(prefix: "pvm")
        defer { for ns in [leafNS, hv, vf, pt, vm5000, vm5002] { ns.delete() } }

        try wireUnderlay(leaf: leafNS, hypervisor: hv)
        // Front-panel ports and what is cabled to them; the VF tags its frames as VST does.
        try vfStandIn(vf, cabledTo: "swp1", of: leafNS, vlan: 100, vlanProtocol: vfProtocol, address: "10.9.0.1")
        try LeafStandIns.passthrough(pt, cabledTo: "swp2", of: leafNS, address: "10.9.0.3")
        try plumbHypervisor(hv, vms: [(vm5000, 5000, "10.9.0.2"), (vm5002, 5002, "10.9.0.4")])

        // The leaf.
        let reconciler = try leafNS.run { try Reconciler(configuration: self.configuration, logger: Logger(label: "leaf-frames")) }
        let applied = try leafNS.run { try reconciler.applyLeaf(self.leafDocument(generation: 1, networks: true, vlanProtocol: vfProtocol)) }
        XCTAssertEqual(applied.errors, [])

        XCTAssertTrue(try reaches(vf, "10.9.0.2"), "the VF reaches the VM of VNI 5000 through VLAN 100")
        XCTAssertTrue(try reaches(vm5000, "10.9.0.1"), "and back")
        XCTAssertTrue(try reaches(pt, "10.9.0.4"), "the passthrough NIC reaches the VM of VNI 5002 through its access port")
        XCTAssertTrue(try reaches(vm5002, "10.9.0.3"), "and back")
        XCTAssertFalse(try reaches(vf, "10.9.0.4"), "VLAN 100 / VNI 5000 sees nothing of VNI 5002")
        XCTAssertFalse(try reaches(pt, "10.9.0.2"), "VLAN 102 / VNI 5002 sees nothing of VNI 5000")
        XCTAssertFalse(try reaches(vf, "10.9.0.3"), "the two leaf ports are in different VLANs")

        // Dematerialized: the leaf's document has neither network any more.
        let removed = try leafNS.run { try reconciler.applyLeaf(self.leafDocument(generation: 2, networks: false, vlanProtocol: vfProtocol)) }
        XCTAssertEqual(removed.errors, [])
        XCTAssertFalse(try reaches(vf, "10.9.0.2"))
        XCTAssertFalse(try reaches(pt, "10.9.0.4"))
        try LeafStandIns.assertHoldsNothing(leafNS, vxlan: "plumbvx", ports: ["swp1", "swp2"])
    }

    func testFramesCrossTheLeafBetweenVFPassthroughAndVirtioAndStayInTheirNetwork() throws {
        try checkFrames(vfProtocol: .dot1q)
    }

    /// A VF that stacks over guest tags sends an 802.1ad S-tag: the leaf's bridge filters on 802.1ad.
    func testFramesCrossTheLeafWith8021adOuterTags() throws {
        try checkFrames(vfProtocol: .dot1ad)
    }

    /// Frames the guests tag themselves cross an 802.1ad leaf both ways with their C-tag kept end to end: a VF stand-in
    /// pushing its S-tag (VLAN 100, 802.1ad, as VST puts it on the wire) over its guest's C-tag 10, and a virtio VM on
    /// the hypervisor sending C-tag 10 frames into VNI 5000. The guest-VLAN network has a VXLAN device of its own on the
    /// leaf. A second guest-VLAN network (VLAN 101 / VNI 5001, the same C-tag and subnet) sees nothing of the first;
    /// untagged frames of the network cross too. Once the document drops both, the leaf holds nothing of them.
    func testGuestTaggedFramesCrossAn8021adLeafWithTheirCTag() throws {
        let leafNS = try NetworkNamespace(prefix: "pleaf"), hv = try NetworkNamespace(prefix: "phv")
        let vf = try NetworkNamespace(prefix: "pvf"), otherVF = try NetworkNamespace(prefix: "pvf")
        let vm5000 = try NetworkNamespace(prefix: "pvm"), vm5001 = try NetworkNamespace(prefix: "pvm")
        defer { for ns in [leafNS, hv, vf, otherVF, vm5000, vm5001] { ns.delete() } }

        try wireUnderlay(leaf: leafNS, hypervisor: hv)
        // Two VFs' wires (swp1, swp3): each VF pushes its S-tag; its guest tags C-tag 10 inside it (10.9.5.x) and also
        // sends untagged (10.9.6.x, on the VF itself).
        for (ns, port, vlan, host) in [(vf, "swp1", 100, 1), (otherVF, "swp3", 101, 3)] {
            try vfStandIn(ns, cabledTo: port, of: leafNS, vlan: vlan, vlanProtocol: .dot1ad, address: "10.9.6.\(host)")
            try LeafStandIns.guestTagged(ns, device: "vst", guestTag: 10, address: "10.9.5.\(host)")
        }
        // The hypervisor: VNIs 5000 and 5001, each with a VM whose guest tags C-tag 10 (and sends untagged).
        try plumbHypervisor(hv, vms: [(vm5000, 5000, "10.9.6.2"), (vm5001, 5001, "10.9.6.4")])
        for (vm, hostPart) in [(vm5000, 2), (vm5001, 4)] {
            try LeafStandIns.guestTagged(vm, guestTag: 10, address: "10.9.5.\(hostPart)")
        }

        func document(generation: Int64, networks: Bool) -> LeafDesiredState {
            LeafDesiredState(
                leaf: "leaf1", generation: generation, vtepIp: leafVTEP, underlayPort: "uplink", vlanProtocol: .dot1ad,
                vlans: networks ? [.init(vlan: 100, vni: 5000, guestVlans: true, flood: [hypervisorVTEP]),
                                   .init(vlan: 101, vni: 5001, guestVlans: true, flood: [hypervisorVTEP])] : [],
                taggedPorts: networks ? [.init(port: "swp1", hypervisor: "hv1", vlans: [100]), .init(port: "swp3", hypervisor: "hv1", vlans: [101])] : [])
        }
        let reconciler = try leafNS.run { try Reconciler(configuration: self.configuration, logger: Logger(label: "leaf-frames")) }
        let applied = try leafNS.run { try reconciler.applyLeaf(document(generation: 1, networks: true)) }
        XCTAssertEqual(applied.errors, [])
        XCTAssertEqual(try LeafStandIns.guestVLANDevices(leafNS), ["plgv5000", "plgv5001"])
        XCTAssertEqual(try LeafStandIns.vnis(leafNS), [5000, 5001])
        let again = try leafNS.run { try reconciler.planLeaf(document(generation: 1, networks: true)) }
        XCTAssertEqual(again, Plan(), "the applied leaf plans nothing more")

        XCTAssertTrue(try LeafStandIns.reaches(vf, "10.9.5.2", patience: 8), "the VF's guest reaches the VM's guest on C-tag 10 (S-tag 100 on the leaf, VNI 5000)")
        XCTAssertTrue(try LeafStandIns.reaches(vm5000, "10.9.5.1", patience: 8), "and back: a C-tagged frame from VXLAN joins VLAN 100")
        XCTAssertTrue(try LeafStandIns.reaches(vf, "10.9.6.2", patience: 8), "untagged guest frames cross too")
        XCTAssertTrue(try LeafStandIns.reaches(vm5000, "10.9.6.1", patience: 8), "and back")
        XCTAssertTrue(try LeafStandIns.reaches(otherVF, "10.9.5.4", patience: 8), "the other network's guests reach each other on the same C-tag")
        XCTAssertFalse(try reaches(vf, "10.9.5.4"), "VLAN 100 / VNI 5000 sees nothing of VNI 5001")
        XCTAssertFalse(try reaches(vm5001, "10.9.5.1"), "VNI 5001 sees nothing of VLAN 100")
        XCTAssertFalse(try reaches(otherVF, "10.9.5.1"), "the two trunk ports' VLANs are apart")

        let removed = try leafNS.run { try reconciler.applyLeaf(document(generation: 2, networks: false)) }
        XCTAssertEqual(removed.errors, [])
        XCTAssertFalse(try reaches(vf, "10.9.5.2"))
        XCTAssertEqual(try LeafStandIns.guestVLANDevices(leafNS), [], "the networks' own VXLAN devices are gone")
        try LeafStandIns.assertHoldsNothing(leafNS, vxlan: "plumbvx", ports: ["swp1", "swp3"])
    }
}
