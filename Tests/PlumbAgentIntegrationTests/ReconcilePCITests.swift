import Foundation
import PlumbAgentKit
import PlumbModel
import PlumbTestSupport
import XCTest

/// The reconciler's SR-IOV and passthrough work against a sysfs-shaped tree, next to real network plumbing in a
/// namespace: PF `ul0` (a veth, so the kernel refuses VF settings on it: an item error while the rest is applied)
/// and a passthrough NIC taken from `ixgbe` and given back to it.
final class ReconcilePCITests: XCTestCase {
    typealias H = ReconcileTestHost
    let pf = PCIAddress("0000:3b:00.0")!
    let nic = PCIAddress("0000:5e:00.0")!

    override func setUpWithError() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
    }

    private func write(_ root: String, _ path: String, _ content: String = "") throws {
        let absolute = "\(root)/\(path)"
        try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: absolute, atomically: false, encoding: .utf8)
    }

    private func link(_ root: String, _ path: String, to target: String) throws {
        let absolute = "\(root)/\(path)"
        try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: absolute)
        try FileManager.default.createSymbolicLink(atPath: absolute, withDestinationPath: target)
    }

    /// The PF (driver `ice`, 4 VFs possible, none made) and the NIC (driver `ixgbe`), with their `class/net` entries.
    private func layOut(_ root: String) throws {
        for driver in ["ice", "ixgbe", "vfio-pci"] {
            try write(root, "bus/pci/drivers/\(driver)/bind")
            try write(root, "bus/pci/drivers/\(driver)/unbind")
        }
        try write(root, "bus/pci/drivers_probe")
        try write(root, "bus/pci/devices/\(pf)/sriov_totalvfs", "4\n")
        try write(root, "bus/pci/devices/\(pf)/sriov_numvfs", "0\n")
        try write(root, "bus/pci/devices/\(pf)/driver_override", "(null)\n")
        try link(root, "bus/pci/devices/\(pf)/driver", to: "../../drivers/ice")
        try write(root, "bus/pci/devices/\(nic)/driver_override", "(null)\n")
        try link(root, "bus/pci/devices/\(nic)/driver", to: "../../drivers/ixgbe")
        try link(root, "class/net/ul0/device", to: "../../../bus/pci/devices/\(pf)")
        try link(root, "class/net/enp94s0f0/device", to: "../../../bus/pci/devices/\(nic)")
    }

    func testPCIWorkIsRecordedAppliedAndGivenBackWhileARefusedVFIsReported() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let root = host.configuration.sysfsRoot
            try layOut(root)
            let reconciler = try host.reconciler()
            var desired = H.desired
            desired.pfs = [HostDesiredState.PF(name: "ul0", pciAddress: pf, numVfs: 2, vfs: [
                HostDesiredState.VF(index: 0, vlan: 100, vlanProtocol: .dot1ad, mac: MACAddress("02:00:00:00:cc:01")!,
                                    materialization: "mz1", vm: "vm7", nic: "eth1"),
            ])]
            desired.passthrough = [HostDesiredState.Passthrough(name: "enp94s0f0", pciAddress: nic, materialization: "mz1",
                                                                vm: "vm8", nic: "eth2")]

            let report = try ns.run { try reconciler.apply(desired) }
            // The VF not in use is parked first (no two VFs may show one MAC), then VF 0 is configured.
            XCTAssertEqual(report.errors.map(\.item), ["vf ul0/1", "vf ul0/0"])
            XCTAssertTrue(report.errors[1].message.hasPrefix("set ul0 vf 0 mac 02:00:00:00:cc:01 vlan 100 proto 802.1ad"),
                          report.errors[1].message)
            try host.assertPlumbing(desired)
            func read(_ path: String) throws -> String { try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8) }
            XCTAssertEqual(try read("bus/pci/devices/\(pf)/sriov_numvfs"), "2\n")
            XCTAssertEqual(try read("bus/pci/devices/\(nic)/driver_override"), "vfio-pci\n")
            XCTAssertEqual(try read("bus/pci/drivers/ixgbe/unbind"), "\(nic)\n")
            XCTAssertEqual(try read("bus/pci/drivers/vfio-pci/bind"), "\(nic)\n")
            let records = PCIDeviceRecordStore(stateDirectory: host.configuration.stateDirectory)
            XCTAssertEqual(try records.load(), [
                pf: PCIDeviceRecord(role: .sriov, name: "ul0"),
                nic: PCIDeviceRecord(role: .passthrough, originalDriver: "ixgbe", name: "enp94s0f0"),
            ])
            XCTAssertEqual(try ns.run { try reconciler.inventory() }, HostStatusReport.Inventory(nics: [
                HostStatusReport.Inventory.NIC(name: "enp94s0f0", pciAddress: nic, vfLimit: 0, driver: "ixgbe"),
                HostStatusReport.Inventory.NIC(name: "ul0", pciAddress: pf, vfLimit: 4, driver: "ice"),
            ]))

            // What the kernel does on that bind: the NIC is vfio-pci's and its interface is gone.
            try link(root, "bus/pci/devices/\(nic)/driver", to: "../../drivers/vfio-pci")
            try FileManager.default.removeItem(atPath: "\(root)/class/net/enp94s0f0")
            XCTAssertEqual(try ns.run { try reconciler.inventory() }.nics.map { "\($0.name) \($0.driver ?? "-")" },
                           ["ul0 ice", "enp94s0f0 vfio-pci"])
            // Only the refused VFs are tried again.
            XCTAssertEqual(Set(try ns.run { try reconciler.plan(desired) }.map(\.item)), ["vf ul0/0", "vf ul0/1"])

            // Released: 0 VFs, the NIC back to ixgbe, records gone; the networks stay.
            var released = desired
            released.pfs = []
            released.passthrough = []
            let release = try ns.run { try reconciler.apply(released) }
            XCTAssertEqual(release, ApplyReport(operations: [
                Operation(item: "pf \(pf)", .setNumVFs(pf: pf, count: 0)),
                Operation(item: "pf \(pf)", .forgetDevice(pf)),
                Operation(item: "passthrough \(nic)", .giveBack(nic, driver: "ixgbe")),
                Operation(item: "passthrough \(nic)", .forgetDevice(nic)),
            ]))
            XCTAssertEqual(try read("bus/pci/devices/\(pf)/sriov_numvfs"), "0\n")
            XCTAssertEqual(try read("bus/pci/devices/\(nic)/driver_override"), "\n")
            XCTAssertEqual(try read("bus/pci/drivers/vfio-pci/unbind"), "\(nic)\n")
            XCTAssertEqual(try read("bus/pci/drivers/ixgbe/bind"), "\(nic)\n")
            XCTAssertEqual(try records.load(), [:])
            try host.assertPlumbing(released)
        }
    }
}
