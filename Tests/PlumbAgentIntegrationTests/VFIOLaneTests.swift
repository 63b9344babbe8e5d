import Foundation
import Glibc
import Logging
import PlumbAgentKit
import PlumbModel
import PlumbTestSupport
import XCTest

/// PCI passthrough on a real kernel: the lane's QEMU has an emulated Intel IOMMU and an emulated e1000e NIC
/// (`scripts/kernel-lane.sh`), and the agent's reconciler — the code a hypervisor runs, on the real /sys — takes the
/// NIC from e1000e to `vfio-pci` for a passthrough document and gives it back to e1000e when the document drops it.
/// The test checks the kernel's side itself: the driver links, the NIC's interface, and `/dev/vfio/GROUP`, which a
/// VM's QEMU opens and which only opens (and reports the group viable) while vfio-pci holds every device of the group.
///
/// Runs only in the real-kernel lane (`KernelLaneTests`).
final class VFIOLaneTests: XCTestCase {
    /// `VFIO_GROUP_GET_STATUS` (`_IO(VFIO_TYPE, VFIO_BASE + 3)` in <linux/vfio.h>), its argument and viability flag.
    private let vfioGroupGetStatus: UInt = 0x3B67
    private let vfioGroupFlagsViable: UInt32 = 1

    override func setUpWithError() throws {
        try requireKernelLane(for: "an emulated IOMMU with a NIC behind it")
    }

    /// The last component of a sysfs link's target, nil when there is no link.
    private func linkTarget(_ path: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { ($0 as NSString).lastPathComponent }
    }

    private func interfaces(_ address: PCIAddress) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices/\(address)/net")) ?? []
    }

    /// The lane's emulated NIC: the one PCI device e1000e drives, with its interface.
    private func emulatedNIC() throws -> (address: PCIAddress, name: String) {
        let bound = try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/drivers/e1000e").compactMap(PCIAddress.init)
        guard bound.count == 1, let address = bound.first, let name = interfaces(address).first else {
            throw NetworkNamespaceError(message: "expected one e1000e NIC with an interface in the lane, found \(bound)")
        }
        return (address, name)
    }

    /// Opens `/dev/vfio/GROUP` and asks whether the group is viable; the `errno` text when it does not open.
    private func openGroup(_ group: String) -> Result<Bool, NetworkNamespaceError> {
        let fd = open("/dev/vfio/\(group)", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return .failure(NetworkNamespaceError(message: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var status: (argsz: UInt32, flags: UInt32) = (8, 0)
        guard ioctl(fd, vfioGroupGetStatus, &status) == 0 else {
            return .failure(NetworkNamespaceError(message: "VFIO_GROUP_GET_STATUS: \(String(cString: strerror(errno)))"))
        }
        return .success(status.flags & vfioGroupFlagsViable != 0)
    }

    func testAgentPassesAnEmulatedNICThroughToVFIOAndGivesItBack() throws {
        try NetworkNamespace.Command.run("modprobe", ["vfio-pci"])
        let nic = try emulatedNIC()
        let device = "/sys/bus/pci/devices/\(nic.address)"
        let group = try XCTUnwrap(linkTarget("\(device)/iommu_group"), "the NIC has no IOMMU group: is intel_iommu=on?")
        guard case .failure = openGroup(group) else { return XCTFail("/dev/vfio/\(group) opens while e1000e drives the NIC") }

        let state = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-vfio-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let reconciler = try Reconciler(configuration: AgentConfiguration(sysfsRoot: "/sys", stateDirectory: state),
                                        logger: Logger(label: "vfio-lane-test"))
        let passthrough = HostDesiredState.Passthrough(name: nic.name, pciAddress: nic.address, materialization: "mz1",
                                                       vm: "vm1", nic: "eth1")
        var desired = HostDesiredState(host: "lane", generation: 1, vtep: .init(localIp: IPv4Address("198.18.0.1")!),
                                       passthrough: [passthrough])

        let taken = try reconciler.apply(desired)
        XCTAssertEqual(taken.errors, [])
        XCTAssertEqual(taken.operations.map(\.action), [
            .recordDevice(nic.address, PCIDeviceRecord(role: .passthrough, originalDriver: "e1000e", name: nic.name)),
            .bindToVFIO(.device(nic.address)),
        ])
        XCTAssertEqual(linkTarget("\(device)/driver"), "vfio-pci")
        XCTAssertEqual(interfaces(nic.address), [], "a NIC bound to vfio-pci has no interface")
        XCTAssertEqual(try reconciler.inventory().nics.first { $0.pciAddress == nic.address }?.name, nic.name,
                       "the inventory still lists the passed-through NIC by the name it had")
        switch openGroup(group) {
        case .success(let viable): XCTAssertTrue(viable, "/dev/vfio/\(group) opens but the group is not viable")
        case .failure(let error): XCTFail("/dev/vfio/\(group) does not open: \(error)")
        }
        XCTAssertEqual(try reconciler.plan(desired), [], "converged: nothing to change")

        desired.generation = 2
        desired.passthrough = []
        let given = try reconciler.apply(desired)
        XCTAssertEqual(given.errors, [])
        XCTAssertEqual(given.operations.map(\.action), [.giveBack(nic.address, driver: "e1000e"), .forgetDevice(nic.address)])
        XCTAssertEqual(linkTarget("\(device)/driver"), "e1000e")
        XCTAssertEqual(try String(contentsOfFile: "\(device)/driver_override", encoding: .utf8), "(null)\n")
        try NetworkNamespace.Command.run("udevadm", ["settle"])
        XCTAssertEqual(interfaces(nic.address), [nic.name], "e1000e made the interface again, and udev named it as before")
        guard case .failure = openGroup(group) else { return XCTFail("/dev/vfio/\(group) still opens after the give-back") }
        XCTAssertEqual(try reconciler.plan(desired), [], "nothing left to release")
    }
}
