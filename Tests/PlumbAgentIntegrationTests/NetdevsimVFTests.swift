import Foundation
import Logging
import PlumbAgentKit
import PlumbModel
import PlumbNetlink
import PlumbTestSupport
import XCTest

/// SR-IOV VFs on a real driver: netdevsim's VFs, configured by the agent's planner and executor over its netlink
/// socket (the same `RTM_SETLINK` VF path as for ice, i40e or mlx5), read back with the agent's own link dump and,
/// independently, with `ip -d -j link show`.
///
/// netdevsim (6.1, legacy eswitch mode) keeps each VF's MAC, VLAN, protocol, QoS, spoofcheck, trust, link state and
/// rates and reports them back, but has no PCI functions and no datapath for its VFs: nothing it stores is enforced
/// on frames, its VFs cannot be bound to `vfio-pci` (``VFIOLaneTests`` binds a real emulated NIC instead), and its
/// bus device has `sriov_numvfs` but no `sriov_totalvfs` (its limit, 4 by default, is in debugfs). What it refuses is
/// ``testWhatNetdevsimRefuses``.
///
/// Runs only in the real-kernel lane (`KernelLaneTests`), where netdevsim is built for the lane's kernel.
final class NetdevsimVFTests: XCTestCase {
    /// netdevsim's default VF limit (`NSIM_BUS_DEV_MAX_VFS` in its bus.c).
    private let maxVFs = 4
    /// The PF's key in the document: netdevsim has no PCI address, and no PCI device is at this one.
    private let standInAddress = PCIAddress("0000:fe:1f.7")!
    private let macA = MACAddress("02:00:00:00:0a:01")!
    private let macB = MACAddress("02:00:00:00:0b:01")!
    private let macC = MACAddress("02:00:00:00:0c:01")!

    override func setUpWithError() throws {
        try requireKernelLane(for: "netdevsim")
    }

    private func vf(_ index: Int, _ mac: MACAddress, vlan: Int, _ proto: VLANProtocol,
                    _ state: HostDesiredState.LinkState) -> HostDesiredState.VF {
        HostDesiredState.VF(index: index, vlan: vlan, vlanProtocol: proto, mac: mac, linkState: state,
                            materialization: "mz1", vm: "vm\(index)", nic: "eth1")
    }

    /// A reconciler on the real /sys with a scratch state directory.
    private func withReconciler(_ body: (Reconciler) throws -> Void) throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-vf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        try body(Reconciler(configuration: AgentConfiguration(sysfsRoot: "/sys", stateDirectory: state),
                            logger: Logger(label: "netdevsim-vf-test")))
    }

    /// The VF operations the planner makes for `vfs` on `sim`, from the kernel as the agent reads it: its link dump,
    /// VFs included, and the PF found through its interface (netdevsim is not on the PCI bus: the agent reads
    /// `sriov_numvfs` of the device behind `class/net/PF/device`, and the document's PCI address is only the PF's key).
    ///
    /// The one other operation of the plan is the record the agent keeps of the PF (with a scratch state directory):
    /// it is checked to be the only one, then left out. No VF is bound to `vfio-pci`: a netdevsim VF has no PCI function.
    private func vfOperations(_ reconciler: Reconciler, _ sim: Netdevsim, _ vfs: [HostDesiredState.VF]) throws -> [PlumbAgentKit.Operation] {
        let pf = HostDesiredState.PF(name: sim.pf, pciAddress: standInAddress, numVfs: maxVFs, vfs: vfs)
        let desired = HostDesiredState(host: "lane", generation: 1, vtep: .init(localIp: IPv4Address("198.18.0.1")!), pfs: [pf])
        let observed = try reconciler.observe(desired)
        XCTAssertEqual(observed.pciDevices[standInAddress],
                       ObservedPCIDevice(address: standInAddress, driver: "netdevsim", numVFs: try sim.numVFs(), interface: sim.pf),
                       "the PF, found through its interface")
        let plan = Planner.plan(desired: desired, observed: observed, configuration: reconciler.configuration)
        XCTAssertEqual(plan.errors, [])
        let (configure, others) = (plan.operations.filter(\.configuresVF), plan.operations.filter { !$0.configuresVF })
        XCTAssertEqual(others.map(\.action), [.recordDevice(standInAddress, PCIDeviceRecord(role: .sriov, name: sim.pf))])
        return configure
    }

    /// Runs `operations` one by one, and after each checks with the agent's dump that no two VFs show one MAC.
    private func executeCheckingMACs(_ reconciler: Reconciler, _ sim: Netdevsim, _ operations: [PlumbAgentKit.Operation]) throws {
        for operation in operations {
            let report = try reconciler.execute([operation])
            XCTAssertEqual(report.errors, [], "\(operation)")
            let macs = try agentVFs(sim).map(\.mac).filter { $0 != .zero }
            XCTAssertEqual(macs.count, Set(macs).count, "two VFs show one MAC after \(operation): \(macs)")
        }
    }

    /// The PF's VFs as the agent's netlink dump reads them.
    private func agentVFs(_ sim: Netdevsim) throws -> [KernelVF] {
        let links = try NetlinkSocket(logger: Logger(label: "netdevsim-vf-test")).links()
        guard let pf = links.first(where: { $0.name == sim.pf }) else { throw NetworkNamespaceError(message: "no \(sim.pf) in the dump") }
        return pf.vfs
    }

    /// One line per VF in one wording for both readers (the protocol only with a VLAN, as iproute2 prints it).
    private func lines(_ vfs: [KernelVF]) -> [String] {
        vfs.map {
            let vlan = $0.vlan == 0 ? "vlan 0" : "vlan \($0.vlan) qos \($0.qos) proto \(($0.vlanProtocol ?? .dot1q).rawValue)"
            return "vf \($0.index) mac \($0.mac) \(vlan) spoofchk \($0.spoofcheck.map(String.init) ?? "?") "
                + "trust \($0.trust.map(String.init) ?? "?") state \($0.linkState?.rawValue ?? "?")"
        }
    }

    /// The same lines from `ip -d -j link show PF` (its `vfinfo_list`).
    private func iproute2Lines(_ sim: Netdevsim) throws -> [String] {
        let output = try NetworkNamespace.Command.run("ip", ["-d", "-j", "link", "show", "dev", sim.pf]).standardOutput
        guard let link = try NetworkNamespace.objects(output).first, let vfs = link["vfinfo_list"] as? [[String: Any]] else {
            throw NetworkNamespaceError(message: "ip shows no vfinfo_list for \(sim.pf): \(output)")
        }
        return vfs.map { vf in
            let tag = (vf["vlan_list"] as? [[String: Any]])?.first ?? [:]
            let id = tag["vlan"] as? Int ?? 0
            let vlan = id == 0 ? "vlan 0" : "vlan \(id) qos \(tag["qos"] as? Int ?? 0) proto \(tag["protocol"] as? String ?? "802.1Q")"
            func flag(_ key: String) -> String { (vf[key] as? Bool).map(String.init) ?? "?" }
            return "vf \(vf["vf"] as? Int ?? -1) mac \(vf["address"] as? String ?? "?") \(vlan) spoofchk \(flag("spoofchk")) "
                + "trust \(flag("trust")) state \(vf["link_state"] as? String ?? "?")"
        }
    }

    private func assertBothRead(_ sim: Netdevsim, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(lines(try agentVFs(sim)), expected, "the agent's dump", file: file, line: line)
        XCTAssertEqual(try iproute2Lines(sim), expected, "ip -d -j link show", file: file, line: line)
    }

    /// Three VFs in use (802.1Q and 802.1ad, each link state) and one parked; then two are given back while the MAC of
    /// one moves to the parked VF: the released VFs are cleared first, so no two VFs ever show one MAC. Each time the
    /// agent's plan, once applied, is empty.
    func testAgentConfiguresAndReleasesNetdevsimVFs() throws {
        let sim = try Netdevsim(id: 51, vfs: maxVFs)
        defer { sim.remove() }
        try withReconciler { reconciler in
            let first = [vf(0, macA, vlan: 100, .dot1q, .enable), vf(1, macB, vlan: 200, .dot1ad, .disable),
                         vf(2, macC, vlan: 4094, .dot1q, .auto)]
            let operations = try vfOperations(reconciler, sim, first)
            XCTAssertEqual(operations.map(\.item), ["vf \(sim.pf)/3", "vf \(sim.pf)/0", "vf \(sim.pf)/1", "vf \(sim.pf)/2"])
            try executeCheckingMACs(reconciler, sim, operations)
            try assertBothRead(sim, [
                "vf 0 mac \(macA) vlan 100 qos 0 proto 802.1Q spoofchk true trust false state enable",
                "vf 1 mac \(macB) vlan 200 qos 0 proto 802.1ad spoofchk true trust false state disable",
                "vf 2 mac \(macC) vlan 4094 qos 0 proto 802.1Q spoofchk true trust false state auto",
                "vf 3 mac \(MACAddress.zero) vlan 0 spoofchk true trust false state disable",
            ])
            XCTAssertEqual(try vfOperations(reconciler, sim, first), [], "converged: nothing to change")

            // VM 0 and VM 2 are gone; VF 3 takes VF 0's MAC.
            let second = [vf(1, macB, vlan: 200, .dot1ad, .disable), vf(3, macA, vlan: 300, .dot1ad, .enable)]
            let release = try vfOperations(reconciler, sim, second)
            XCTAssertEqual(release.map(\.item), ["vf \(sim.pf)/0", "vf \(sim.pf)/2", "vf \(sim.pf)/3"])
            try executeCheckingMACs(reconciler, sim, release)
            try assertBothRead(sim, [
                "vf 0 mac \(MACAddress.zero) vlan 0 spoofchk true trust false state disable",
                "vf 1 mac \(macB) vlan 200 qos 0 proto 802.1ad spoofchk true trust false state disable",
                "vf 2 mac \(MACAddress.zero) vlan 0 spoofchk true trust false state disable",
                "vf 3 mac \(macA) vlan 300 qos 0 proto 802.1ad spoofchk true trust false state enable",
            ])
            XCTAssertEqual(try vfOperations(reconciler, sim, second), [], "converged: nothing to change")
        }
    }

    /// What netdevsim refuses, as the agent meets it: a VF index beyond `sriov_numvfs` and a multicast MAC (each an
    /// item error of the executor; the kernel itself checks neither), a VF count changed between two non-zero values
    /// (why the planner goes through 0) and one beyond its limit. It takes one MAC on two VFs without complaint: that
    /// no VF shows another's MAC is the agent's doing. And its VFs are no PCI functions: no `sriov_totalvfs`, no
    /// `virtfnN`.
    func testWhatNetdevsimRefuses() throws {
        let sim = try Netdevsim(id: 52, vfs: 2)
        defer { sim.remove() }
        try withReconciler { reconciler in
            func configure(_ configuration: VFConfiguration) throws -> [HostStatusReport.ItemError] {
                try reconciler.execute([PlumbAgentKit.Operation(item: "vf \(configuration.index)", .configureVF(pf: sim.pf, configuration))]).errors
            }
            let valid = VFConfiguration(index: 0, mac: macA, vlan: 100, vlanProtocol: .dot1q, spoofcheck: true, trust: false,
                                        linkState: .auto)
            XCTAssertEqual(try configure(valid), [])
            var beyond = valid
            beyond.index = 2
            XCTAssertEqual(try configure(beyond).map(\.item), ["vf 2"], "VF 2 of 2")
            var multicast = valid
            multicast.mac = MACAddress("03:00:00:00:00:01")!
            XCTAssertEqual(try configure(multicast).map(\.item), ["vf 0"], "a multicast MAC")
            var sameMAC = valid
            sameMAC.index = 1
            XCTAssertEqual(try configure(sameMAC), [], "netdevsim accepts a MAC another VF shows")
            XCTAssertEqual(try agentVFs(sim).map(\.mac), [macA, macA])
        }
        XCTAssertThrowsError(try sim.setNumVFs(1), "2 → 1 without going through 0")
        XCTAssertNoThrow(try sim.setNumVFs(0))
        XCTAssertThrowsError(try sim.setNumVFs(maxVFs + 1), "beyond max_vfs")
        XCTAssertNoThrow(try sim.setNumVFs(maxVFs))
        XCTAssertEqual(try sim.numVFs(), maxVFs)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(sim.device)/sriov_totalvfs"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sim.device).filter { $0.hasPrefix("virtfn") }, [])
    }
}

private extension PlumbAgentKit.Operation {
    var configuresVF: Bool {
        if case .configureVF = action { return true }
        return false
    }
}
