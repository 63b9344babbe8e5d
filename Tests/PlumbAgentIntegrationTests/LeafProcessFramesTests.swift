import Foundation
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport
import XCTest

/// Frames through a leaf switch with Plumb running as it does in production: `plumb-controller` on its embedded
/// PostgreSQL, `plumb-agent leaf run` in a namespace playing the leaf, `plumb-agent run` in a namespace playing a
/// hypervisor with virtio VMs, all real processes; experiments are materialized through the API and frames cross
/// between their NICs once the controller says they are `ready`.
///
/// - hv1's NICs are the leaf's: VFs of `enp1` behind trunk port swp1 (each VF a VLAN device on the PF's wire, tagging
///   as VST does, moved into its VM's namespace) and `enp2`, passed through, on access port swp2. Its VFs and PF
///   binding are not the point here (`ReconcilePCITests`): the test speaks for hv1 with hv1's own token, reporting
///   each generation applied.
/// - hv2 runs the agent; its virtio VMs are namespaces whose `eth0` is wired to the agent's taps (``TapWire``).
///
/// Experiment a (a VF and a virtio VM in one network, the passthrough NIC and another virtio VM in a second) and
/// experiment b (a VF and a virtio VM) share one IP subnet, so only the plumbing decides who reaches whom. After
/// each is dematerialized the leaf holds nothing of it. Then the facility makes the leaf 802.1ad and experiment c
/// (a network with guest VLANs) puts a VF of the stacking NIC, tagging 802.1ad, in one network with a virtio VM.
/// Frames the guests tag themselves: `testGuestTaggedFramesCrossAn8021adLeafWithControllerAndAgentsAsProcesses`.
///
/// Needs VLAN-filtering bridges: skipped here, run inside `scripts/kernel-lane.sh` by `KernelLaneTests`.
final class LeafProcessFramesTests: XCTestCase {
    private static let underlayBridge = "plmul0"
    private static let controllerAddress = "198.18.77.254"
    private static let leafVTEP = IPv4Address("198.18.77.1")!
    private static let hv2VTEP = IPv4Address("198.18.77.2")!
    private static let vxlan = "vx-leaf1"
    private static let limit: TimeInterval = 180

    override func setUpWithError() throws {
        try requireVLANFilteringBridges()
    }

    private static func facility(vlanProtocol: VLANProtocol) -> Facility {
        Facility(
            vniRanges: [.init(first: 5000, last: 5099)],
            leaves: [.init(name: "leaf1", vtepIp: leafVTEP, vlanRange: .init(first: 100, last: 199), bridge: "br-leaf1",
                           vxlanDevice: vxlan, underlayPort: "uplink", vlanProtocol: vlanProtocol)],
            hypervisors: [
                .init(name: "hv1", vtepIp: IPv4Address("198.18.77.11")!, leaf: "leaf1", nics: [
                    .init(name: "enp1", pciAddress: PCIAddress("0000:01:00.0")!, leafPort: "swp1", vfLimit: 4, canStackVlans: true),
                    .init(name: "enp2", pciAddress: PCIAddress("0000:01:00.1")!, leafPort: "swp2", passthrough: true),
                ]),
                .init(name: "hv2", vtepIp: hv2VTEP, leaf: "leaf1", underlayNic: "ul0"),
            ])
    }

    /// The test's installation: namespaces, the underlay, the controller and the two agents. Removed by `tearDown`.
    private final class Installation {
        var namespaces: [NetworkNamespace] = []
        var wires: [TapWire] = []
        var agents: [AgentProcess] = []
        var controller: ControllerProcess?
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-leaf-frames-\(UUID().uuidString)")

        func namespace(_ prefix: String) throws -> NetworkNamespace {
            let made = try NetworkNamespace(prefix: prefix)
            namespaces.append(made)
            return made
        }

        func tearDown() {
            for wire in wires { wire.stop() }
            for agent in agents { agent.terminate() }
            controller?.stop()
            for namespace in namespaces { namespace.delete() }
            _ = try? NetworkNamespace.Command.execute("ip", ["link", "del", LeafProcessFramesTests.underlayBridge])
            try? FileManager.default.removeItem(at: directory)
        }

        /// Logs of every process, for failure messages.
        var logs: String {
            agents.map { "--- agent ---\n\($0.logText.suffix(3000))" }.joined(separator: "\n")
                + "\n--- controller ---\n\(controller?.logText.suffix(3000) ?? "")"
        }
    }

    func testFramesCrossTheLeafWithControllerAndAgentsAsProcesses() throws {
        let installation = Installation()
        defer { installation.tearDown() }
        try FileManager.default.createDirectory(at: installation.directory, withIntermediateDirectories: true)

        // The underlay: a bridge in this namespace, where the controller listens, and the leaf's and hv2's uplinks.
        let leaf = try installation.namespace("pleaf"), hv1 = try installation.namespace("phv1"), hv2 = try installation.namespace("phv2")
        try NetworkNamespace.Command.run("ip", ["link", "add", Self.underlayBridge, "type", "bridge"])
        try NetworkNamespace.Command.run("ip", ["address", "add", "\(Self.controllerAddress)/24", "dev", Self.underlayBridge])
        try NetworkNamespace.Command.run("ip", ["link", "set", Self.underlayBridge, "up"])
        for (namespace, device, address) in [(leaf, "uplink", Self.leafVTEP), (hv2, "ul0", Self.hv2VTEP)] {
            let outside = "plmul-\(device)"
            try NetworkNamespace.Command.run("ip", ["link", "add", outside, "type", "veth", "peer", "name", device, "netns", namespace.name])
            try NetworkNamespace.Command.run("ip", ["link", "set", outside, "master", Self.underlayBridge, "up"])
            try namespace.ip("address", "add", "\(address)/24", "dev", device)
            try namespace.ip("link", "set", device, "up")
        }
        // hv1's PF wires to the leaf: enp1 to trunk port swp1 (its VFs' VLANs), enp2 (a namespace of its own: the
        // passed-through NIC is its VM's) to access port swp2.
        try leaf.ip("link", "add", "swp1", "type", "veth", "peer", "name", "enp1", "netns", hv1.name)
        try hv1.ip("link", "set", "enp1", "up")
        let passthroughVM = try installation.namespace("ppt")
        try LeafStandIns.passthrough(passthroughVM, cabledTo: "swp2", of: leaf, address: "10.9.0.3")

        let started = Date()
        let controller = try ControllerProcess(databaseURL: nil, listen: "\(Self.controllerAddress):0", startLimit: Self.limit)
        installation.controller = controller
        // Under emulation a first materialization can take longer than a client's usual 30 s.
        let admin = controller.client(token: controller.adminToken, totalTimeout: .seconds(Int(Self.limit)))
        _ = try admin.putFacility(Self.facility(vlanProtocol: .dot1q))
        let hv1Client = controller.client(token: try admin.issueHostToken(host: "hv1").token, totalTimeout: .seconds(Int(Self.limit)))
        for (role, host) in [("leaf", "leaf1"), ("run", "hv2")] {
            let tokenFile = installation.directory.appendingPathComponent("\(host).token").path
            XCTAssertTrue(FileManager.default.createFile(atPath: tokenFile, contents: Data(try admin.issueHostToken(host: host).token.utf8),
                                                        attributes: [.posixPermissions: 0o600]))
            let arguments = role == "leaf"
                ? ["leaf", "run", "--leaf", host]
                : ["run", "--host", host, "--state-directory", installation.directory.appendingPathComponent("state-\(host)").path]
            installation.agents.append(try AgentProcess(namespace: host == "leaf1" ? leaf : hv2, arguments: arguments + [
                "--controller", controller.baseURL, "--token-file", tokenFile, "--wait", "5",
            ]))
        }
        print("LeafProcessFramesTests: controller and agents started in \(Int(Date().timeIntervalSince(started))) s")

        // Experiment a: VF + virtio VM in n1, passthrough + virtio VM in n2. Experiment b: VF + virtio VM.
        let a = try materialize("a", MaterializationSpec(
            networks: [.init(name: "n1"), .init(name: "n2")],
            vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "n1", mechanism: .vfio, pf: "enp1")]),
                  .init(name: "pt-vm", hypervisor: "hv1", nics: [.init(network: "n2", mechanism: .passthrough, pf: "enp2")]),
                  .init(name: "vm1", hypervisor: "hv2", nics: [.init(network: "n1")]),
                  .init(name: "vm2", hypervisor: "hv2", nics: [.init(network: "n2")])]),
                              admin: admin, hv1: hv1Client, installation: installation)
        let b = try materialize("b", MaterializationSpec(
            networks: [.init(name: "nb")],
            vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "nb", mechanism: .vfio, pf: "enp1")]),
                  .init(name: "vm", hypervisor: "hv2", nics: [.init(network: "nb")])]),
                              admin: admin, hv1: hv1Client, installation: installation)
        print("LeafProcessFramesTests: a and b ready \(Int(Date().timeIntervalSince(started))) s after the start")

        let vfA = try installation.namespace("pvf"), vfB = try installation.namespace("pvf")
        try vf(vfA, for: nic(a, "vf-vm"), on: hv1, address: "10.9.0.1")
        try vf(vfB, for: nic(b, "vf-vm"), on: hv1, address: "10.9.0.5")
        let vm1 = try virtioVM(nic(a, "vm1"), on: hv2, address: "10.9.0.2", installation: installation)
        let vm2 = try virtioVM(nic(a, "vm2"), on: hv2, address: "10.9.0.4", installation: installation)
        let vmB = try virtioVM(nic(b, "vm"), on: hv2, address: "10.9.0.6", installation: installation)

        XCTAssertTrue(try LeafStandIns.reaches(vfA, "10.9.0.2", patience: 8), "a's VF reaches a's virtio VM in n1 through its VLAN\n\(installation.logs)")
        XCTAssertTrue(try LeafStandIns.reaches(vm1, "10.9.0.1", patience: 8), "and back")
        XCTAssertTrue(try LeafStandIns.reaches(passthroughVM, "10.9.0.4", patience: 8), "the passthrough NIC reaches a's virtio VM in n2")
        XCTAssertTrue(try LeafStandIns.reaches(vm2, "10.9.0.3", patience: 8), "and back")
        XCTAssertTrue(try LeafStandIns.reaches(vfB, "10.9.0.6", patience: 8), "b's VF reaches b's virtio VM")
        XCTAssertTrue(try LeafStandIns.reaches(vmB, "10.9.0.5", patience: 8), "and back")
        XCTAssertFalse(try LeafStandIns.reaches(vfA, "10.9.0.4"), "n1 sees nothing of n2")
        XCTAssertFalse(try LeafStandIns.reaches(passthroughVM, "10.9.0.2"), "n2 sees nothing of n1")
        XCTAssertFalse(try LeafStandIns.reaches(vfA, "10.9.0.6"), "a's VF sees nothing of experiment b")
        XCTAssertFalse(try LeafStandIns.reaches(vfB, "10.9.0.2"), "b's VF sees nothing of experiment a")
        XCTAssertFalse(try LeafStandIns.reaches(vmB, "10.9.0.1"), "b's virtio VM sees nothing of experiment a's VF")

        // a goes: the leaf keeps b's VLAN and VNI only, and a's NICs reach nothing.
        try dematerialize("a", admin: admin, installation: installation)
        let bVLAN = try XCTUnwrap(nic(b, "vf-vm").vlan), bVNI = b.networks[0].vni
        XCTAssertEqual(try LeafStandIns.portVLANs(leaf), ["swp1": [bVLAN], Self.vxlan: [bVLAN]], "only b's VLAN is left")
        XCTAssertEqual(try LeafStandIns.vnis(leaf), [bVNI], "only b's VNI is left")
        let entries = try LeafStandIns.remoteEntries(leaf, vxlan: Self.vxlan)
        XCTAssertTrue(entries.allSatisfy { $0.hasPrefix("\(bVNI) ") }, "no entry of a's VNIs: \(entries)")
        XCTAssertFalse(try LeafStandIns.reaches(vfA, "10.9.0.2"), "a's VF reaches nothing once a is gone")
        XCTAssertFalse(try LeafStandIns.reaches(passthroughVM, "10.9.0.4"), "nor does its passthrough NIC")
        XCTAssertTrue(try LeafStandIns.reaches(vfB, "10.9.0.6", patience: 8), "b is untouched")
        try dematerialize("b", admin: admin, installation: installation)
        try LeafStandIns.assertHoldsNothing(leaf, vxlan: Self.vxlan, ports: ["swp1", "swp2"])

        // The facility makes the leaf 802.1ad (once a's and b's VLANs are out of quarantine: a leaf that carries VLANs
        // keeps its tag protocol); c's VF pushes an S-tag, as a NIC that stacks guest tags does.
        try reportApplied(hv1: hv1Client)
        _ = try admin.putFacility(Self.facility(vlanProtocol: .dot1ad))
        let c = try materialize("c", MaterializationSpec(
            networks: [.init(name: "nc", guestVlans: true)],
            vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "nc", mechanism: .vfio, pf: "enp1")]),
                  .init(name: "vm", hypervisor: "hv2", nics: [.init(network: "nc")])]),
                              admin: admin, hv1: hv1Client, installation: installation)
        XCTAssertEqual(try nic(c, "vf-vm").vlanProtocol, .dot1ad)
        let bridge = try XCTUnwrap(leaf.ipJSON("-d", "link", "show", "dev", "br-leaf1").first)
        XCTAssertEqual(((bridge["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any])?["vlan_protocol"] as? String, "802.1ad")
        let vfC = try installation.namespace("pvf")
        try vf(vfC, for: nic(c, "vf-vm"), on: hv1, address: "10.9.1.1")
        let vmC = try virtioVM(nic(c, "vm"), on: hv2, address: "10.9.1.2", installation: installation)
        XCTAssertTrue(try LeafStandIns.reaches(vfC, "10.9.1.2", patience: 8), "the 802.1ad VF reaches the virtio VM\n\(installation.logs)")
        XCTAssertTrue(try LeafStandIns.reaches(vmC, "10.9.1.1", patience: 8), "and back")
        try dematerialize("c", admin: admin, installation: installation)
        try LeafStandIns.assertHoldsNothing(leaf, vxlan: Self.vxlan, ports: ["swp1", "swp2"])
        XCTAssertFalse(try LeafStandIns.reaches(vfC, "10.9.1.2"))
        print("LeafProcessFramesTests: done \(Int(Date().timeIntervalSince(started))) s after the start")
    }

    // MARK: - Guest VLANs through an 802.1ad leaf

    /// Frames the guests tag themselves cross an 802.1ad leaf with the controller and agents as processes: experiments g
    /// and h each put a VF of hv1's stacking NIC (its S-tag over its guest's C-tag 10, as VST with 802.1ad puts it on
    /// the wire) and a virtio VM on hv2 (its guest sending C-tag 10 frames through the agent's tap) in one guest-VLAN
    /// network, in one IP subnet. Each pair reaches each other both ways with the C-tag kept (only C-tag 10 devices
    /// answer), untagged frames too; neither sees the other experiment. The leaf gives each network a VXLAN device of
    /// its own, and holds nothing of an experiment once it is dematerialized.
    func testGuestTaggedFramesCrossAn8021adLeafWithControllerAndAgentsAsProcesses() throws {
        let installation = Installation()
        defer { installation.tearDown() }
        let (leaf, hv1, hv2, admin, hv1Client) = try startGuestVLANInstallation(installation)
        let started = Date()

        var experiments: [(materialization: Materialization, vf: NetworkNamespace, vm: NetworkNamespace)] = []
        for (index, id) in ["g", "h"].enumerated() {
            let experiment = try materialize(id, MaterializationSpec(
                networks: [.init(name: "n\(id)", guestVlans: true)],
                vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "n\(id)", mechanism: .vfio, pf: "enp1")]),
                      .init(name: "vm", hypervisor: "hv2", nics: [.init(network: "n\(id)")])]),
                                             admin: admin, hv1: hv1Client, installation: installation)
            XCTAssertEqual(try nic(experiment, "vf-vm").vlanProtocol, .dot1ad, "the VF pushes its leaf's protocol")
            let vfNamespace = try installation.namespace("pvf")
            try vf(vfNamespace, for: nic(experiment, "vf-vm"), on: hv1, address: "10.9.6.\(2 * index + 1)")
            try LeafStandIns.guestTagged(vfNamespace, guestTag: 10, address: "10.9.5.\(2 * index + 1)")
            let vm = try virtioVM(nic(experiment, "vm"), on: hv2, address: "10.9.6.\(2 * index + 2)", installation: installation)
            try LeafStandIns.guestTagged(vm, guestTag: 10, address: "10.9.5.\(2 * index + 2)")
            experiments.append((experiment, vfNamespace, vm))
        }
        print("LeafProcessFramesTests: g and h ready \(Int(Date().timeIntervalSince(started))) s after the agents")
        let (g, vfG, vmG) = experiments[0], (h, vfH, vmH) = experiments[1]
        XCTAssertEqual(try LeafStandIns.guestVLANDevices(leaf), [g, h].map { LeafDesiredState.guestVLANDevice(vni: $0.networks[0].vni) }.sorted())

        XCTAssertTrue(try LeafStandIns.reaches(vfG, "10.9.5.2", patience: 8), "g's VF guest reaches g's virtio guest on C-tag 10\n\(installation.logs)")
        XCTAssertTrue(try LeafStandIns.reaches(vmG, "10.9.5.1", patience: 8), "and back")
        XCTAssertTrue(try LeafStandIns.reaches(vfG, "10.9.6.2", patience: 8), "untagged frames of g cross too")
        XCTAssertTrue(try LeafStandIns.reaches(vfH, "10.9.5.4", patience: 8), "h's guests reach each other on C-tag 10")
        XCTAssertTrue(try LeafStandIns.reaches(vmH, "10.9.5.3", patience: 8), "and back")
        XCTAssertFalse(try LeafStandIns.reaches(vfG, "10.9.5.4"), "g sees nothing of h")
        XCTAssertFalse(try LeafStandIns.reaches(vmH, "10.9.5.1"), "h sees nothing of g")

        // g goes: its network's VXLAN device, VLAN, VNI and entries leave the leaf; h is untouched.
        try dematerialize("g", admin: admin, installation: installation)
        let hVLAN = try XCTUnwrap(nic(h, "vf-vm").vlan), hVNI = h.networks[0].vni
        let hDevice = LeafDesiredState.guestVLANDevice(vni: hVNI)
        XCTAssertEqual(try LeafStandIns.guestVLANDevices(leaf), [hDevice])
        XCTAssertEqual(try LeafStandIns.portVLANs(leaf), ["swp1": [hVLAN], hDevice: [hVLAN]], "only h's VLAN is left")
        XCTAssertEqual(try LeafStandIns.vnis(leaf), [hVNI], "only h's VNI is left")
        XCTAssertFalse(try LeafStandIns.reaches(vfG, "10.9.5.2"), "g's VF reaches nothing once g is gone")
        XCTAssertTrue(try LeafStandIns.reaches(vfH, "10.9.5.4", patience: 8), "h is untouched")
        try dematerialize("h", admin: admin, installation: installation)
        XCTAssertEqual(try LeafStandIns.guestVLANDevices(leaf), [])
        try LeafStandIns.assertHoldsNothing(leaf, vxlan: Self.vxlan, ports: ["swp1"])
        print("LeafProcessFramesTests: guest VLANs done \(Int(Date().timeIntervalSince(started))) s after the agents")
    }

    /// Reports hv1's newest generation as applied, as its agent would: what the others have reported already, its
    /// report ends the quarantine of what was released there.
    private func reportApplied(hv1: ControllerClient) throws {
        if case .changed(let document) = try hv1.desired(host: "hv1", after: nil) {
            try hv1.putStatus(host: "hv1", HostStatusReport(appliedGeneration: document.generation))
        }
    }

    /// The installation of the guest-VLAN test, the leaf 802.1ad from the start: the underlay, the leaf (trunk swp1 to
    /// hv1's enp1), the controller, `plumb-agent leaf run` for the leaf and `plumb-agent run` for hv2; and clients for
    /// the admin and for hv1 (whose generations the test reports).
    private func startGuestVLANInstallation(_ installation: Installation) throws
        -> (leaf: NetworkNamespace, hv1: NetworkNamespace, hv2: NetworkNamespace, admin: ControllerClient, hv1Client: ControllerClient) {
        try FileManager.default.createDirectory(at: installation.directory, withIntermediateDirectories: true)
        let leaf = try installation.namespace("pleaf"), hv1 = try installation.namespace("phv1"), hv2 = try installation.namespace("phv2")
        try NetworkNamespace.Command.run("ip", ["link", "add", Self.underlayBridge, "type", "bridge"])
        try NetworkNamespace.Command.run("ip", ["address", "add", "\(Self.controllerAddress)/24", "dev", Self.underlayBridge])
        try NetworkNamespace.Command.run("ip", ["link", "set", Self.underlayBridge, "up"])
        for (namespace, device, address) in [(leaf, "uplink", Self.leafVTEP), (hv2, "ul0", Self.hv2VTEP)] {
            let outside = "plmul-\(device)"
            try NetworkNamespace.Command.run("ip", ["link", "add", outside, "type", "veth", "peer", "name", device, "netns", namespace.name])
            try NetworkNamespace.Command.run("ip", ["link", "set", outside, "master", Self.underlayBridge, "up"])
            try namespace.ip("address", "add", "\(address)/24", "dev", device)
            try namespace.ip("link", "set", device, "up")
        }
        try leaf.ip("link", "add", "swp1", "type", "veth", "peer", "name", "enp1", "netns", hv1.name)
        try hv1.ip("link", "set", "enp1", "up")

        let controller = try ControllerProcess(databaseURL: nil, listen: "\(Self.controllerAddress):0", startLimit: Self.limit)
        installation.controller = controller
        let admin = controller.client(token: controller.adminToken, totalTimeout: .seconds(Int(Self.limit)))
        _ = try admin.putFacility(Self.facility(vlanProtocol: .dot1ad))
        let hv1Client = controller.client(token: try admin.issueHostToken(host: "hv1").token, totalTimeout: .seconds(Int(Self.limit)))
        for (namespace, host, role) in [(leaf, "leaf1", ["leaf", "run", "--leaf", "leaf1"]),
                                        (hv2, "hv2", ["run", "--host", "hv2", "--state-directory",
                                                      installation.directory.appendingPathComponent("state-hv2").path])] {
            let tokenFile = installation.directory.appendingPathComponent("\(host).token").path
            XCTAssertTrue(FileManager.default.createFile(atPath: tokenFile, contents: Data(try admin.issueHostToken(host: host).token.utf8),
                                                        attributes: [.posixPermissions: 0o600]))
            installation.agents.append(try AgentProcess(namespace: namespace, arguments: role + [
                "--controller", controller.baseURL, "--token-file", tokenFile, "--wait", "5",
            ]))
        }
        return (leaf, hv1, hv2, admin, hv1Client)
    }

    // MARK: - Helpers

    private func nic(_ materialization: Materialization, _ vm: String) throws -> Materialization.NIC {
        try XCTUnwrap(materialization.vms.first { $0.name == vm }?.nics.first, "\(materialization.id) has no VM \(vm)")
    }

    /// A VF of hv1's enp1 as the materialization gave it: its VLAN, tag protocol and MAC.
    private func vf(_ vm: NetworkNamespace, for nic: Materialization.NIC, on hv1: NetworkNamespace, address: String) throws {
        try LeafStandIns.vf(vm, on: hv1, device: "enp1", vlan: try XCTUnwrap(nic.vlan), vlanProtocol: try XCTUnwrap(nic.vlanProtocol),
                            mac: try XCTUnwrap(nic.mac), address: address)
    }

    /// A virtio VM on the tap the agent made for `nic` in `hypervisor`: a namespace whose `eth0` has the NIC's MAC.
    private func virtioVM(_ nic: Materialization.NIC, on hypervisor: NetworkNamespace, address: String,
                          installation: Installation) throws -> NetworkNamespace {
        let vm = try installation.namespace("pvm")
        installation.wires.append(try TapWire(tap: try XCTUnwrap(nic.tap), in: hypervisor, guest: vm))
        try vm.ip("link", "set", "eth0", "address", try XCTUnwrap(nic.mac).description, "up")
        try vm.ip("address", "add", "\(address)/24", "dev", "eth0")
        return vm
    }

    /// `PUT /v1/materializations/ID`, then reports hv1's generations (as its agent would) until it is ready.
    private func materialize(_ id: String, _ spec: MaterializationSpec, admin: ControllerClient, hv1: ControllerClient,
                             installation: Installation) throws -> Materialization {
        _ = try admin.materialize(id: id, spec: spec)
        let deadline = Date(timeIntervalSinceNow: Self.limit)
        while true {
            if case .changed(let document) = try hv1.desired(host: "hv1", after: nil) {
                try hv1.putStatus(host: "hv1", HostStatusReport(appliedGeneration: document.generation))
            }
            let materialization = try admin.materialization(id: id)
            if materialization.status.state == .ready { return materialization }
            guard Date() < deadline else {
                throw NetworkNamespaceError(message: "\(id) not ready within \(Int(Self.limit)) s: \(materialization.status)\n\(installation.logs)")
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// `DELETE /v1/materializations/ID`, then waits until the leaf and hv2 have applied the generation that removed it.
    private func dematerialize(_ id: String, admin: ControllerClient, installation: Installation) throws {
        try admin.dematerialize(id: id)
        let required = try admin.hosts().hosts.filter { ["leaf1", "hv2"].contains($0.name) }
            .reduce(into: [String: Int64]()) { $0[$1.name] = $1.generation }
        let deadline = Date(timeIntervalSinceNow: Self.limit)
        while try !admin.hosts().hosts.filter({ required[$0.name] != nil })
            .allSatisfy({ ($0.appliedGeneration ?? -1) >= required[$0.name]! }) {
            guard Date() < deadline else {
                throw NetworkNamespaceError(message: "\(id)'s removal not applied within \(Int(Self.limit)) s\n\(installation.logs)")
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }
}
