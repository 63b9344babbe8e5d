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

    /// XCTest keeps test case instances for the whole run: drop the tree now so its directory is removed.
    override func tearDown() {
        tree = nil
        sysfs = nil
    }

    /// Checks that the adapter reports `expected` as its writes, in this order, and that exactly those files
    /// changed on disk, each holding its value and a newline.
    private func assertWrites(_ writes: @autoclosure () throws -> [Sysfs.Write], _ expected: [Sysfs.Write],
                              file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try writes(), expected, file: file, line: line)
        let changed = try tree.nonEmptyFiles().filter { fixtures[$0.key] != $0.value }
        XCTAssertEqual(changed, Dictionary(expected.map { ($0.path, $0.value + "\n") }) { _, last in last }, file: file, line: line)
    }

    /// Puts the NIC in the state passthrough leaves it in: overridden to and bound to `vfio-pci`.
    private func passThroughNIC() throws {
        try tree.file("bus/pci/devices/\(T.nic)/driver_override", "vfio-pci\n")
        try tree.link("bus/pci/devices/\(T.nic)/driver", to: "../../drivers/vfio-pci")
        fixtures = try tree.nonEmptyFiles()
    }

    func testReadsSRIOVCountsVirtualFunctionsAndDriver() throws {
        XCTAssertEqual(try sysfs.device(T.pf), ObservedPCIDevice(address: T.pf, driver: "ice", driverOverride: nil, totalVFs: 8,
                                                                 numVFs: 1, virtualFunctions: [0: T.vf0]))
        XCTAssertEqual(try sysfs.device(T.nic), ObservedPCIDevice(address: T.nic, driver: "ixgbe"))
        XCTAssertEqual(try sysfs.virtualFunction(pf: T.pf, index: 0), T.vf0)
        XCTAssertNil(try sysfs.device(PCIAddress("0000:99:00.0")!))
        XCTAssertThrowsError(try sysfs.virtualFunction(pf: T.pf, index: 1))
    }

    func testReadsIOMMUGroupAndInterfacesForTheAttachmentReport() throws {
        XCTAssertNil(try sysfs.iommuGroup(T.vf0), "no IOMMU: no group")
        XCTAssertEqual(try sysfs.networkInterfaces(T.vf0), [])
        try tree.link("bus/pci/devices/\(T.vf0)/iommu_group", to: "../../../../kernel/iommu_groups/71")
        try tree.file("bus/pci/devices/\(T.vf0)/net/enp59s0f0v0/ifindex", "9\n")
        XCTAssertEqual(try sysfs.iommuGroup(T.vf0), 71)
        XCTAssertEqual(try sysfs.networkInterfaces(T.vf0), ["enp59s0f0v0"])
        try tree.link("bus/pci/devices/\(T.nic)/iommu_group", to: "../../../../kernel/iommu_groups/x")
        XCTAssertThrowsError(try sysfs.iommuGroup(T.nic))
    }

    func testListsPhysicalNetworkDevicesWithoutVFs() throws {
        XCTAssertEqual(try sysfs.physicalNetworkDevices().map { "\($0.name)=\($0.address)" },
                       ["enp59s0f0=\(T.pf)", "enp94s0f0=\(T.nic)"])
    }

    /// A PF is found through its interface: a PCI function's address, or a device of another bus with SR-IOV controls
    /// (netdevsim's: `sriov_numvfs`, no `sriov_totalvfs`, no `virtfnN`), whose count is written through the interface.
    func testFindsAPFThroughItsInterfaceOnAndOffThePCIBus() throws {
        try tree.file("devices/netdevsim7/sriov_numvfs", "2\n")
        try tree.link("devices/netdevsim7/driver", to: "../../bus/netdevsim/drivers/netdevsim")
        try tree.link("class/net/eni7np1/device", to: "../../../devices/netdevsim7")
        XCTAssertEqual(try sysfs.pciAddress(ofInterface: "enp59s0f0"), T.pf)
        XCTAssertNil(try sysfs.pciAddress(ofInterface: "eni7np1"), "not a PCI function")
        XCTAssertNil(try sysfs.pciAddress(ofInterface: "lo"), "no device")
        XCTAssertNil(try sysfs.pciAddress(ofInterface: "absent0"))
        let standIn = PCIAddress("0000:fe:1f.7")!
        XCTAssertEqual(try sysfs.nonPCIPF(interface: "eni7np1", reportedAs: standIn),
                       ObservedPCIDevice(address: standIn, driver: "netdevsim", numVFs: 2, interface: "eni7np1"))
        XCTAssertNil(try sysfs.nonPCIPF(interface: "enp59s0f0", reportedAs: standIn), "a PCI function is read at its address")
        XCTAssertNil(try sysfs.nonPCIPF(interface: "lo", reportedAs: standIn))
        XCTAssertEqual(try sysfs.setNumVFs(standIn, count: 0, interface: "eni7np1"),
                       [Sysfs.Write("class/net/eni7np1/device/sriov_numvfs", "0")])
        XCTAssertEqual(try tree.read("devices/netdevsim7/sriov_numvfs"), "0\n")
        XCTAssertEqual(try tree.nonEmptyFiles(), fixtures, "nothing written on the PCI bus")
    }

    func testSetNumVFsWritesTheCount() throws {
        try assertWrites(try sysfs.setNumVFs(T.pf, count: 0), [Sysfs.Write("bus/pci/devices/\(T.pf)/sriov_numvfs", "0")])
    }

    func testBindToVFIOSetsOverrideUnbindsThenBinds() throws {
        try assertWrites(try sysfs.bindToVFIO(T.vf0), [
            Sysfs.Write("bus/pci/devices/\(T.vf0)/driver_override", "vfio-pci"),
            Sysfs.Write("bus/pci/drivers/iavf/unbind", "\(T.vf0)"),
            Sysfs.Write("bus/pci/drivers/vfio-pci/bind", "\(T.vf0)"),
        ])
    }

    func testBindToVFIOAfterAnInterruptedRunSkipsWhatIsDone() throws {
        // Override set and unbound from iavf, but not yet bound to vfio-pci.
        try tree.file("bus/pci/devices/\(T.vf0)/driver_override", "vfio-pci\n")
        try FileManager.default.removeItem(atPath: "\(tree.root)/bus/pci/devices/\(T.vf0)/driver")
        fixtures = try tree.nonEmptyFiles()
        try assertWrites(try sysfs.bindToVFIO(T.vf0), [Sysfs.Write("bus/pci/drivers/vfio-pci/bind", "\(T.vf0)")])
        // Fully bound: nothing to write.
        try tree.link("bus/pci/devices/\(T.vf0)/driver", to: "../../drivers/vfio-pci")
        fixtures = try tree.nonEmptyFiles()
        try assertWrites(try sysfs.bindToVFIO(T.vf0), [])
    }

    func testBindToVFIOWithoutTheVFIODriverFailsNamingTheFile() throws {
        try FileManager.default.removeItem(atPath: "\(tree.root)/bus/pci/drivers/vfio-pci")
        XCTAssertThrowsError(try sysfs.bindToVFIO(T.nic)) { error in
            XCTAssertEqual((error as? SysfsError)?.path, "bus/pci/drivers/vfio-pci/bind")
        }
    }

    func testGiveBackClearsOverrideUnbindsAndBindsTheOriginalDriver() throws {
        try passThroughNIC()
        try assertWrites(try sysfs.giveBack(T.nic, to: "ixgbe"), [
            Sysfs.Write("bus/pci/devices/\(T.nic)/driver_override", ""),
            Sysfs.Write("bus/pci/drivers/vfio-pci/unbind", "\(T.nic)"),
            Sysfs.Write("bus/pci/drivers/ixgbe/bind", "\(T.nic)"),
        ])
    }

    func testGiveBackWithoutAKnownDriverLetsTheKernelProbe() throws {
        try passThroughNIC()
        try assertWrites(try sysfs.giveBack(T.nic, to: nil), [
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
