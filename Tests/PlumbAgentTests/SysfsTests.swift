import PlumbAgentKit
import PlumbModel
import XCTest

/// The sysfs adapter against a directory tree laid out like sysfs: what it reads, and exactly which files it
/// writes, with which values, in which order.
final class SysfsTests: XCTestCase {
    typealias T = SysfsTestTree
    private var tree: SysfsTestTree!
    private var sysfs: Sysfs!
    /// The fixture files that are not empty before any write.
    private var fixtures: [String: String]!

    override func setUpWithError() throws {
        tree = try SysfsTestTree()
        sysfs = Sysfs(root: tree.root)
        fixtures = try tree.nonEmptyFiles()
    }

    /// The files a test changed, with their new content.
    private func changedFiles() throws -> [String: String] {
        try tree.nonEmptyFiles().filter { fixtures[$0.key] != $0.value }
    }

    func testReadsSRIOVCountsVirtualFunctionsAndDriver() throws {
        XCTAssertEqual(try sysfs.device(T.pf), ObservedPCIDevice(address: T.pf, driver: "ice", driverOverride: nil, totalVFs: 8,
                                                                 numVFs: 1, virtualFunctions: [0: T.vf0]))
        XCTAssertEqual(try sysfs.device(T.nic), ObservedPCIDevice(address: T.nic, driver: "ixgbe"))
        XCTAssertEqual(try sysfs.virtualFunction(pf: T.pf, index: 0), T.vf0)
        XCTAssertNil(try sysfs.device(PCIAddress("0000:99:00.0")!))
        XCTAssertThrowsError(try sysfs.virtualFunction(pf: T.pf, index: 1))
    }

    func testListsPhysicalNetworkDevicesWithoutVFs() throws {
        XCTAssertEqual(try sysfs.physicalNetworkDevices().map { "\($0.name)=\($0.address)" },
                       ["enp59s0f0=\(T.pf)", "enp94s0f0=\(T.nic)"])
    }

    func testSetNumVFsWritesTheCount() throws {
        XCTAssertEqual(try sysfs.setNumVFs(T.pf, count: 0), [Sysfs.Write("bus/pci/devices/\(T.pf)/sriov_numvfs", "0")])
        XCTAssertEqual(try changedFiles(), ["bus/pci/devices/\(T.pf)/sriov_numvfs": "0\n"])
    }

    func testBindToVFIOSetsOverrideUnbindsThenBinds() throws {
        XCTAssertEqual(try sysfs.bindToVFIO(T.vf0), [
            Sysfs.Write("bus/pci/devices/\(T.vf0)/driver_override", "vfio-pci"),
            Sysfs.Write("bus/pci/drivers/iavf/unbind", "\(T.vf0)"),
            Sysfs.Write("bus/pci/drivers/vfio-pci/bind", "\(T.vf0)"),
        ])
        XCTAssertEqual(try changedFiles(), [
            "bus/pci/devices/\(T.vf0)/driver_override": "vfio-pci\n",
            "bus/pci/drivers/iavf/unbind": "\(T.vf0)\n",
            "bus/pci/drivers/vfio-pci/bind": "\(T.vf0)\n",
        ])
    }

    func testBindToVFIOAfterAnInterruptedRunSkipsWhatIsDone() throws {
        // Override set and unbound from iavf, but not yet bound to vfio-pci.
        try tree.file("bus/pci/devices/\(T.vf0)/driver_override", "vfio-pci\n")
        try FileManager.default.removeItem(atPath: "\(tree.root)/bus/pci/devices/\(T.vf0)/driver")
        XCTAssertEqual(try sysfs.bindToVFIO(T.vf0), [Sysfs.Write("bus/pci/drivers/vfio-pci/bind", "\(T.vf0)")])
        // Fully bound: nothing to write.
        try tree.link("bus/pci/devices/\(T.vf0)/driver", to: "../../drivers/vfio-pci")
        XCTAssertEqual(try sysfs.bindToVFIO(T.vf0), [])
    }

    func testBindToVFIOWithoutTheVFIODriverFailsNamingTheFile() throws {
        try FileManager.default.removeItem(atPath: "\(tree.root)/bus/pci/drivers/vfio-pci")
        XCTAssertThrowsError(try sysfs.bindToVFIO(T.nic)) { error in
            XCTAssertEqual((error as? SysfsError)?.path, "bus/pci/drivers/vfio-pci/bind")
        }
    }

    func testGiveBackClearsOverrideUnbindsAndBindsTheOriginalDriver() throws {
        try tree.file("bus/pci/devices/\(T.nic)/driver_override", "vfio-pci\n")
        try tree.link("bus/pci/devices/\(T.nic)/driver", to: "../../drivers/vfio-pci")
        fixtures = try tree.nonEmptyFiles()
        XCTAssertEqual(try sysfs.giveBack(T.nic, to: "ixgbe"), [
            Sysfs.Write("bus/pci/devices/\(T.nic)/driver_override", ""),
            Sysfs.Write("bus/pci/drivers/vfio-pci/unbind", "\(T.nic)"),
            Sysfs.Write("bus/pci/drivers/ixgbe/bind", "\(T.nic)"),
        ])
        XCTAssertEqual(try changedFiles(), [
            "bus/pci/devices/\(T.nic)/driver_override": "\n",
            "bus/pci/drivers/vfio-pci/unbind": "\(T.nic)\n",
            "bus/pci/drivers/ixgbe/bind": "\(T.nic)\n",
        ])
    }

    func testGiveBackWithoutAKnownDriverLetsTheKernelProbe() throws {
        try tree.file("bus/pci/devices/\(T.nic)/driver_override", "vfio-pci\n")
        try tree.link("bus/pci/devices/\(T.nic)/driver", to: "../../drivers/vfio-pci")
        XCTAssertEqual(try sysfs.giveBack(T.nic, to: nil), [
            Sysfs.Write("bus/pci/devices/\(T.nic)/driver_override", ""),
            Sysfs.Write("bus/pci/drivers/vfio-pci/unbind", "\(T.nic)"),
            Sysfs.Write("bus/pci/drivers_probe", "\(T.nic)"),
        ])
    }

    func testRecordsSurviveANewStoreAndAreRemoved() throws {
        let directory = tree.root + "/state"
        try PCIDeviceRecordStore(stateDirectory: directory).save(
            PCIDeviceRecord(role: .passthrough, originalDriver: "ixgbe", name: "enp94s0f0"), for: T.nic)
        try PCIDeviceRecordStore(stateDirectory: directory).save(PCIDeviceRecord(role: .sriov, name: "enp59s0f0"), for: T.pf)
        let store = PCIDeviceRecordStore(stateDirectory: directory)
        XCTAssertEqual(try store.load(), [
            T.nic: PCIDeviceRecord(role: .passthrough, originalDriver: "ixgbe", name: "enp94s0f0"),
            T.pf: PCIDeviceRecord(role: .sriov, name: "enp59s0f0"),
        ])
        try store.remove(T.nic)
        XCTAssertEqual(try store.load().keys.sorted(), [T.pf])
        XCTAssertEqual(try PCIDeviceRecordStore(stateDirectory: tree.root + "/nothing-here").load(), [:])
    }
}
