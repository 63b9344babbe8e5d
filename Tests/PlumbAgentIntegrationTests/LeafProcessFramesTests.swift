import Foundation
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport
import XCTest

/// Frames through a leaf switch with Plumb running as it does in production: `plumb-controller` on its embedded
/// PostgreSQL, `plumb-agent leaf run` in a namespace playing the leaf, `plumb-agent run` in two namespaces playing
/// hypervisors, all real processes; experiments are materialized through the API and frames cross between their NICs
/// once the controller says they are `ready`, which it says only once the leaf and both agents applied them.
///
/// - hv1's NICs are real devices of the lane (``LaneHypervisorNICs``), behind the leaf: `enp1`, the PF of a netdevsim
///   device, whose VFs hv1's agent configures (MAC, VLAN, tag protocol, spoofcheck on, trust off, link state) and
///   clears again, cabled to trunk port swp1; and the lane's emulated e1000e, which hv1's agent binds to `vfio-pci`
///   and gives back to e1000e, cabled to access port swp2. Both are read back with `ip -d -j link` and sysfs, not
///   through the agent. Neither carries a frame: netdevsim VFs have no datapath and the passed-through e1000e has no
///   guest. So the frames cross between stand-ins: each VF's is a VLAN device on hv1's wire to swp1 (`pfwire`),
///   tagging as VST does, moved into its VM's namespace, and it takes its VLAN, tag protocol and MAC from what hv1's
///   agent set on the netdevsim VF, read back from the kernel: the frames cross only if the agent configured the VF
///   as the controller allocated it. The passthrough stand-in is a namespace on swp2.
/// - hv1's agent runs in hv1's namespace, with the netdevsim PF moved there (it sets VFs over netlink on that
///   namespace's socket and finds the PF's `sriov_numvfs` through the interface in that namespace's sysfs; the e1000e
///   is bound by PCI address, which every namespace's sysfs shows), so that what it makes stays out of other tests'
///   namespaces, and the initial namespace, where the other lane tests run, holds nothing of it.
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
    private static let hv1VTEP = IPv4Address("198.18.77.11")!
    /// hv1's PF in the facility: the netdevsim PF, renamed in hv1's namespace; netdevsim has no PCI address, so the
    /// facility keys it with one where no PCI device is (the agent finds the PF through its interface).
    private static let hv1PF = "enp1"
    private static let hv1PFKey = PCIAddress("0000:fe:1f.7")!
    /// hv1's end of the wire to swp1 that the VF stand-ins tag on.
    private static let hv1Wire = "pfwire"
    private static let vxlan = "vx-leaf1"
    private static let limit: TimeInterval = 180

    override func setUpWithError() throws {
        try requireVLANFilteringBridges()
    }

    private static func facility(vlanProtocol: VLANProtocol, hv1NICs: LaneHypervisorNICs) -> Facility {
        Facility(
            vniRanges: [.init(first: 5000, last: 5099)],
            leaves: [.init(name: "leaf1", vtepIp: leafVTEP, vlanRange: .init(first: 100, last: 199), bridge: "br-leaf1",
                           vxlanDevice: vxlan, underlayPort: "uplink", vlanProtocol: vlanProtocol)],
            hypervisors: [
                .init(name: "hv1", vtepIp: hv1VTEP, leaf: "leaf1", nics: [
                    .init(name: hv1PF, pciAddress: hv1PFKey, leafPort: "swp1", vfLimit: 4, canStackVlans: true),
                    .init(name: hv1NICs.passthrough.name, pciAddress: hv1NICs.passthrough.address, leafPort: "swp2", passthrough: true),
                ]),
                .init(name: "hv2", vtepIp: hv2VTEP, leaf: "leaf1", underlayNic: "ul0"),
            ])
    }

    /// The test's installation: namespaces, the underlay, hv1's NICs, the controller and the three agents. Removed by
    /// `tearDown`, hv1's e1000e given back to its driver if the test did not get that far.
    private final class Installation {
        var namespaces: [NetworkNamespace] = []
        var wires: [TapWire] = []
        var agents: [AgentProcess] = []
        var hv1NICs: LaneHypervisorNICs?
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
            hv1NICs?.restore()
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
        let started = Date()
        let (leaf, hv1, hv2, passthroughVM, hv1NICs, admin) = try start(installation, vlanProtocol: .dot1q)

        // Experiment a: VF + virtio VM in n1, passthrough + virtio VM in n2. Experiment b: VF + virtio VM.
        let a = try materialize("a", MaterializationSpec(
            networks: [.init(name: "n1"), .init(name: "n2")],
            vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "n1", mechanism: .vfio, pf: Self.hv1PF)]),
                  .init(name: "pt-vm", hypervisor: "hv1", nics: [.init(network: "n2", mechanism: .passthrough, pf: hv1NICs.passthrough.name)]),
                  .init(name: "vm1", hypervisor: "hv2", nics: [.init(network: "n1")]),
                  .init(name: "vm2", hypervisor: "hv2", nics: [.init(network: "n2")])]),
                              admin: admin, installation: installation)
        let b = try materialize("b", MaterializationSpec(
            networks: [.init(name: "nb")],
            vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "nb", mechanism: .vfio, pf: Self.hv1PF)]),
                  .init(name: "vm", hypervisor: "hv2", nics: [.init(network: "nb")])]),
                              admin: admin, installation: installation)
        print("LeafProcessFramesTests: a and b ready \(Int(Date().timeIntervalSince(started))) s after the start")
        XCTAssertEqual(hv1NICs.passthroughDriver, "vfio-pci", "hv1's agent bound a's passthrough NIC to vfio-pci")
        XCTAssertTrue(hv1NICs.vfioGroupExists, "/dev/vfio/\(hv1NICs.passthrough.group) exists for the VM's QEMU")
        XCTAssertEqual(try hv1NICs.passthroughInterfaces(), [], "vfio-pci holds the NIC: it has no interface")

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
        let hv1VFs = try LaneHypervisorNICs.vfs(of: Self.hv1PF, in: hv1)
        let aVF = try XCTUnwrap(nic(a, "vf-vm").vfIndex), bVF = try XCTUnwrap(nic(b, "vf-vm").vfIndex)
        XCTAssertEqual(hv1VFs[aVF]?.mac, .zero, "a's VF has its MAC cleared")
        XCTAssertEqual(hv1VFs[aVF]?.vlan, 0, "and its VLAN removed")
        XCTAssertEqual(hv1VFs[bVF]?.mac, try nic(b, "vf-vm").mac, "b's VF keeps its MAC")
        XCTAssertEqual(hv1NICs.passthroughDriver, LaneHypervisorNICs.nicDriver, "a's passthrough NIC is given back to e1000e")
        XCTAssertEqual(try hv1NICs.passthroughInterfaces(), [hv1NICs.passthrough.name], "with its interface, named as before")
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
        XCTAssertEqual(try hv1NICs.sim.numVFs(), 0, "no VF in use: hv1's agent gave the PF's VFs back")

        // The facility makes the leaf 802.1ad; c's VF pushes an S-tag, as a NIC that stacks guest tags does.
        _ = try admin.putFacility(Self.facility(vlanProtocol: .dot1ad, hv1NICs: hv1NICs))
        let c = try materialize("c", MaterializationSpec(
            networks: [.init(name: "nc", guestVlans: true)],
            vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "nc", mechanism: .vfio, pf: Self.hv1PF)]),
                  .init(name: "vm", hypervisor: "hv2", nics: [.init(network: "nc")])]),
                              admin: admin, installation: installation)
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
        XCTAssertEqual(try hv1NICs.sim.numVFs(), 0, "c's VF given back too")
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
        let (leaf, hv1, hv2, _, _, admin) = try start(installation, vlanProtocol: .dot1ad)
        let started = Date()

        var experiments: [(materialization: Materialization, vf: NetworkNamespace, vm: NetworkNamespace)] = []
        for (index, id) in ["g", "h"].enumerated() {
            let experiment = try materialize(id, MaterializationSpec(
                networks: [.init(name: "n\(id)", guestVlans: true)],
                vms: [.init(name: "vf-vm", hypervisor: "hv1", nics: [.init(network: "n\(id)", mechanism: .vfio, pf: Self.hv1PF)]),
                      .init(name: "vm", hypervisor: "hv2", nics: [.init(network: "n\(id)")])]),
                                             admin: admin, installation: installation)
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
        try LeafStandIns.assertHoldsNothing(leaf, vxlan: Self.vxlan, ports: ["swp1", "swp2"])
        print("LeafProcessFramesTests: guest VLANs done \(Int(Date().timeIntervalSince(started))) s after the agents")
    }

    /// The installation both tests run on: the underlay (a bridge in this namespace, where the controller listens, and
    /// the leaf's and hypervisors' uplinks), hv1's real NICs (the netdevsim PF as enp1, its stand-ins' wire pfwire to
    /// the leaf's trunk port swp1; the e1000e, whose stand-in VM is cabled to access port swp2), the controller with the
    /// facility (the leaf's tag protocol `vlanProtocol`) and the three agents as processes.
    private func start(_ installation: Installation, vlanProtocol: VLANProtocol) throws
        -> (leaf: NetworkNamespace, hv1: NetworkNamespace, hv2: NetworkNamespace, passthroughVM: NetworkNamespace,
            hv1NICs: LaneHypervisorNICs, admin: ControllerClient) {
        try FileManager.default.createDirectory(at: installation.directory, withIntermediateDirectories: true)

        // The underlay: a bridge in this namespace, where the controller listens, and the leaf's and hypervisors' uplinks.
        let leaf = try installation.namespace("pleaf"), hv1 = try installation.namespace("phv1"), hv2 = try installation.namespace("phv2")
        try NetworkNamespace.Command.run("ip", ["link", "add", Self.underlayBridge, "type", "bridge"])
        try NetworkNamespace.Command.run("ip", ["address", "add", "\(Self.controllerAddress)/24", "dev", Self.underlayBridge])
        try NetworkNamespace.Command.run("ip", ["link", "set", Self.underlayBridge, "up"])
        for (namespace, device, address) in [(leaf, "uplink", Self.leafVTEP), (hv2, "ul0", Self.hv2VTEP), (hv1, "hv1ul", Self.hv1VTEP)] {
            let outside = "plmul-\(device)"
            try NetworkNamespace.Command.run("ip", ["link", "add", outside, "type", "veth", "peer", "name", device, "netns", namespace.name])
            try NetworkNamespace.Command.run("ip", ["link", "set", outside, "master", Self.underlayBridge, "up"])
            try namespace.ip("address", "add", "\(address)/24", "dev", device)
            try namespace.ip("link", "set", device, "up")
        }
        // hv1's NICs: the netdevsim PF, moved into hv1 as enp1, and the e1000e. Their stand-ins' wires to the leaf:
        // pfwire to trunk port swp1 (the VFs' VLANs), the passthrough VM's eth0 to access port swp2.
        let hv1NICs = try LaneHypervisorNICs(id: 53, into: hv1)
        installation.hv1NICs = hv1NICs
        try hv1.ip("link", "set", hv1NICs.sim.pf, "name", Self.hv1PF)
        try leaf.ip("link", "add", "swp1", "type", "veth", "peer", "name", Self.hv1Wire, "netns", hv1.name)
        try hv1.ip("link", "set", Self.hv1Wire, "up")
        let passthroughVM = try installation.namespace("ppt")
        try LeafStandIns.passthrough(passthroughVM, cabledTo: "swp2", of: leaf, address: "10.9.0.3")

        let started = Date()
        let controller = try ControllerProcess(databaseURL: nil, listen: "\(Self.controllerAddress):0", startLimit: Self.limit)
        installation.controller = controller
        // Under emulation a first materialization can take longer than a client's usual 30 s.
        let admin = controller.client(token: controller.adminToken, totalTimeout: .seconds(Int(Self.limit)))
        _ = try admin.putFacility(Self.facility(vlanProtocol: vlanProtocol, hv1NICs: hv1NICs))
        for (role, host, namespace) in [("leaf", "leaf1", leaf), ("run", "hv1", hv1), ("run", "hv2", hv2)] {
            let tokenFile = installation.directory.appendingPathComponent("\(host).token").path
            XCTAssertTrue(FileManager.default.createFile(atPath: tokenFile, contents: Data(try admin.issueHostToken(host: host).token.utf8),
                                                        attributes: [.posixPermissions: 0o600]))
            let arguments = role == "leaf"
                ? ["leaf", "run", "--leaf", host]
                : ["run", "--host", host, "--state-directory", installation.directory.appendingPathComponent("state-\(host)").path]
            installation.agents.append(try AgentProcess(namespace: namespace, arguments: arguments + [
                "--controller", controller.baseURL, "--token-file", tokenFile, "--wait", "5",
            ]))
        }
        print("LeafProcessFramesTests: controller and agents started in \(Int(Date().timeIntervalSince(started))) s")
        return (leaf, hv1, hv2, passthroughVM, hv1NICs, admin)
    }

    // MARK: - Helpers

    private func nic(_ materialization: Materialization, _ vm: String) throws -> Materialization.NIC {
        try XCTUnwrap(materialization.vms.first { $0.name == vm }?.nics.first, "\(materialization.id) has no VM \(vm)")
    }

    /// The stand-in of hv1's VF for `nic`, after checking that hv1's agent configured the netdevsim VF as the
    /// materialization allocated it (read back with `ip -d -j link`, not through the agent): it tags with the VLAN and
    /// protocol and sends from the MAC that the kernel shows on that VF.
    private func vf(_ vm: NetworkNamespace, for nic: Materialization.NIC, on hv1: NetworkNamespace, address: String) throws {
        let index = try XCTUnwrap(nic.vfIndex)
        let kernel = try XCTUnwrap(try LaneHypervisorNICs.vfs(of: Self.hv1PF, in: hv1)[index], "\(Self.hv1PF) has no VF \(index)")
        XCTAssertEqual(kernel, LaneHypervisorNICs.VF(mac: try XCTUnwrap(nic.mac), vlan: try XCTUnwrap(nic.vlan),
                                                     vlanProtocol: try XCTUnwrap(nic.vlanProtocol), spoofcheck: true, trust: false,
                                                     linkState: "auto"), "VF \(index) of \(Self.hv1PF) as hv1's agent set it")
        try LeafStandIns.vf(vm, on: hv1, device: Self.hv1Wire, vlan: kernel.vlan, vlanProtocol: kernel.vlanProtocol, mac: kernel.mac,
                            address: address)
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

    /// `PUT /v1/materializations/ID`, then waits until the controller says it is ready (every agent applied it).
    private func materialize(_ id: String, _ spec: MaterializationSpec, admin: ControllerClient,
                             installation: Installation) throws -> Materialization {
        _ = try admin.materialize(id: id, spec: spec)
        let deadline = Date(timeIntervalSinceNow: Self.limit)
        while true {
            let materialization = try admin.materialization(id: id)
            if materialization.status.state == .ready { return materialization }
            guard Date() < deadline, materialization.status.state != .failed else {
                throw NetworkNamespaceError(message: "\(id) failed or not ready within \(Int(Self.limit)) s: \(materialization.status)\n\(installation.logs)")
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// `DELETE /v1/materializations/ID`, then waits until the leaf and both hypervisors have applied the generation that
    /// removed it.
    private func dematerialize(_ id: String, admin: ControllerClient, installation: Installation) throws {
        try admin.dematerialize(id: id)
        let required = try admin.hosts().hosts.filter { ["leaf1", "hv1", "hv2"].contains($0.name) }
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
