import PlumbAgentKit
import PlumbModel
import XCTest

/// The planner's handling of SR-IOV PFs, VF settings and binding, and passthrough devices.
final class PlannerPCITests: XCTestCase {
    typealias F = PlannerFixture
    let pfAddress = PCIAddress("0000:3b:00.0")!
    let vf0Address = PCIAddress("0000:3b:02.0")!
    let vf1Address = PCIAddress("0000:3b:02.1")!
    let nicAddress = PCIAddress("0000:5e:00.0")!
    let guestMAC = MACAddress("02:00:00:00:cc:01")!

    private func vf(_ index: Int, vlan: Int = 100, proto: VLANProtocol = .dot1ad) -> HostDesiredState.VF {
        HostDesiredState.VF(index: index, vlan: vlan, vlanProtocol: proto, mac: guestMAC, materialization: "mz1", vm: "vm\(index)", nic: "eth1")
    }

    private func desired(numVfs: Int, vfs: [HostDesiredState.VF], passthrough: [HostDesiredState.Passthrough] = []) -> HostDesiredState {
        var desired = F.desired
        desired.networks = []
        desired.pfs = numVfs < 0 ? [] : [HostDesiredState.PF(name: "enp59s0f0", pciAddress: pfAddress, numVfs: numVfs, vfs: vfs)]
        desired.passthrough = passthrough
        return desired
    }

    private var passthroughNIC: HostDesiredState.Passthrough {
        HostDesiredState.Passthrough(name: "enp94s0f0", pciAddress: nicAddress, materialization: "mz1", vm: "vm9", nic: "eth2")
    }

    /// A host whose PF has two VFs: VF 0 configured and bound as `vf(0)` asks, VF 1 parked and left to its driver.
    private var converged: ObservedHost {
        let pfLink = ObservedLink(index: 5, name: "enp59s0f0", kind: .other(nil), vfs: [
            ObservedVF(index: 0, mac: guestMAC, vlan: 100, vlanProtocol: .dot1ad, spoofcheck: true, trust: false, linkState: .auto),
            ObservedVF(index: 1, mac: .zero, vlan: 0, vlanProtocol: .dot1q, spoofcheck: true, trust: false, linkState: .disable),
        ])
        return ObservedHost(links: F.baseLinks + [pfLink], pciDevices: [
            pfAddress: ObservedPCIDevice(address: pfAddress, driver: "ice", totalVFs: 8, numVFs: 2,
                                         virtualFunctions: [0: vf0Address, 1: vf1Address]),
            vf0Address: ObservedPCIDevice(address: vf0Address, driver: "vfio-pci", driverOverride: "vfio-pci"),
            vf1Address: ObservedPCIDevice(address: vf1Address, driver: "iavf"),
            nicAddress: ObservedPCIDevice(address: nicAddress, driver: "ixgbe"),
        ], pciRecords: [pfAddress: PCIDeviceRecord(role: .sriov, name: "enp59s0f0")])
    }

    private func configured(_ index: Int) -> VFConfiguration {
        VFConfiguration(index: index, mac: guestMAC, vlan: 100, vlanProtocol: .dot1ad, spoofcheck: true, trust: false, linkState: .auto)
    }

    func testConvergedPFPlansNothing() {
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), converged), Plan())
    }

    func testChangingBetweenNonZeroCountsGoesThroughZeroThenConfiguresEveryVF() {
        let plan = F.plan(desired(numVfs: 4, vfs: [vf(0), vf(2)]), converged)
        XCTAssertEqual(plan.errors, [])
        XCTAssertEqual(plan.operations.map(\.action), [
            .setNumVFs(pf: pfAddress, count: 0),
            .setNumVFs(pf: pfAddress, count: 4),
            .configureVF(pf: "enp59s0f0", .parked(index: 1)),
            .configureVF(pf: "enp59s0f0", .parked(index: 3)),
            .configureVF(pf: "enp59s0f0", configured(0)),
            .bindToVFIO(.virtualFunction(pf: pfAddress, index: 0)),
            .configureVF(pf: "enp59s0f0", configured(2)),
            .bindToVFIO(.virtualFunction(pf: pfAddress, index: 2)),
        ])
        XCTAssertEqual(plan.operations.map(\.item), ["pf enp59s0f0", "pf enp59s0f0"] + ["vf enp59s0f0/1", "vf enp59s0f0/3", "vf enp59s0f0/0",
                                                                                           "vf enp59s0f0/0", "vf enp59s0f0/2", "vf enp59s0f0/2"])
        XCTAssertEqual(Set(plan.operations.dropFirst(2).map(\.parentItem)), ["pf enp59s0f0"])
    }

    func testFromZeroVFsTheCountIsWrittenOnceAndThePFRecorded() {
        var observed = converged
        observed.pciDevices[pfAddress]?.numVFs = 0
        observed.pciRecords = [:]
        let actions = F.plan(desired(numVfs: 1, vfs: [vf(0)]), observed).operations.map(\.action)
        XCTAssertEqual(actions, [
            .recordDevice(pfAddress, PCIDeviceRecord(role: .sriov, name: "enp59s0f0")),
            .setNumVFs(pf: pfAddress, count: 1),
            .configureVF(pf: "enp59s0f0", configured(0)),
            .bindToVFIO(.virtualFunction(pf: pfAddress, index: 0)),
        ])
    }

    func testVFSettingsDriftAndBindingAreFixedOneByOne() {
        var observed = converged
        let pf = observed.links.firstIndex { $0.name == "enp59s0f0" }!
        observed.links[pf].vfs[0].vlanProtocol = .dot1q
        observed.pciDevices[vf0Address]?.driver = "iavf"
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), observed).operations.map(\.action), [
            .configureVF(pf: "enp59s0f0", configured(0)),
            .bindToVFIO(.virtualFunction(pf: pfAddress, index: 0)),
        ])
        // Each setting on its own.
        let changes: [(inout ObservedVF) -> Void] = [{ $0.mac = MACAddress("02:00:00:00:cc:02")! },
                                                     { $0.vlan = 101 }, { $0.spoofcheck = false }, { $0.trust = true },
                                                     { $0.linkState = .enable }]
        for change in changes {
            var drifted = converged
            change(&drifted.links[pf].vfs[0])
            XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), drifted).operations.map(\.action),
                           [.configureVF(pf: "enp59s0f0", configured(0))])
        }
        // A released VF is parked; its binding is left alone.
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: []), converged).operations.map(\.action),
                       [.configureVF(pf: "enp59s0f0", .parked(index: 0))])
    }

    /// A VF given back keeps no MAC of its VM: the MAC may be handed to another VF, and no two VFs may show it.
    func testAParkedVFStillShowingAMACHasItCleared() {
        var stale = converged
        let pf = stale.links.firstIndex { $0.name == "enp59s0f0" }!
        stale.links[pf].vfs[1].mac = guestMAC
        let plan = F.plan(desired(numVfs: 2, vfs: [vf(0)]), stale)
        XCTAssertEqual(plan.operations.map(\.action), [.configureVF(pf: "enp59s0f0", .parked(index: 1))])
        guard case .configureVF(_, let parked) = plan.operations.first?.action else { return XCTFail("no VF change") }
        XCTAssertEqual(parked.mac, .zero)
    }

    /// The MAC of a VF given back moves to another VF: the released VF is cleared before the other takes the MAC, so
    /// no two VFs show it at any time (netdevsim, like the kernel, accepts one MAC on two VFs).
    func testAReleasedVFIsClearedBeforeAnotherVFTakesItsMAC() {
        // VF 1 holds the MAC and is given back; VF 0, parked, takes it (a lower index, so planned first by index).
        var observed = converged
        let pf = observed.links.firstIndex { $0.name == "enp59s0f0" }!
        observed.links[pf].vfs = [
            ObservedVF(index: 0, mac: .zero, vlan: 0, vlanProtocol: .dot1q, spoofcheck: true, trust: false, linkState: .disable),
            ObservedVF(index: 1, mac: guestMAC, vlan: 100, vlanProtocol: .dot1ad, spoofcheck: true, trust: false, linkState: .auto),
        ]
        observed.pciDevices[vf0Address]?.driver = "iavf"
        observed.pciDevices[vf1Address]?.driver = "vfio-pci"
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), observed).operations.map(\.action), [
            .configureVF(pf: "enp59s0f0", .parked(index: 1)),
            .configureVF(pf: "enp59s0f0", configured(0)),
            .bindToVFIO(.virtualFunction(pf: pfAddress, index: 0)),
        ])
    }

    func testBadPFAndVFItemsAreRefused() {
        var missing = converged
        missing.pciDevices[pfAddress] = nil
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), missing).errors.map(\.item), ["pf enp59s0f0"])
        let tooMany = F.plan(desired(numVfs: 9, vfs: []), converged)
        XCTAssertEqual(tooMany.operations, [])
        XCTAssertEqual(tooMany.errors, [HostStatusReport.ItemError(item: "pf enp59s0f0", message: "numVfs 9 is outside 0...8 (sriov_totalvfs)")])
        let badVF = F.plan(desired(numVfs: 2, vfs: [vf(0), vf(2), vf(1, vlan: 5000)]), converged)
        XCTAssertEqual(badVF.errors.map(\.item), ["vf enp59s0f0/2", "vf enp59s0f0/1"])
        XCTAssertEqual(badVF.operations, [])
    }

    func testReleasedPFGoesBackToZeroVFsAndIsForgotten() {
        XCTAssertEqual(F.plan(desired(numVfs: -1, vfs: []), converged).operations, [
            Operation(item: "pf \(pfAddress)", .setNumVFs(pf: pfAddress, count: 0)),
            Operation(item: "pf \(pfAddress)", .forgetDevice(pfAddress)),
        ])
    }

    /// A facility whose PF name and PCI address are two different NICs would have VFs made on one and set on the other.
    func testAPFWhoseInterfaceIsAnotherPCIFunctionIsRefused() {
        var observed = converged
        observed.interfacePCIAddresses["enp59s0f0"] = nicAddress
        XCTAssertEqual(F.plan(desired(numVfs: 4, vfs: [vf(0)]), observed), Plan(errors: [HostStatusReport.ItemError(
            item: "pf enp59s0f0", message: "network device enp59s0f0 is PCI device \(nicAddress), not \(pfAddress)")]))
        observed.interfacePCIAddresses["enp59s0f0"] = pfAddress
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), observed), Plan(), "the same NIC: converged")
    }

    /// A PF off the PCI bus (netdevsim's), found through its interface: its count is written through the interface's
    /// device, without a limit from sysfs, and its VFs, no PCI functions, are configured and not bound.
    func testAPFOffThePCIBusIsSetThroughItsInterfaceAndItsVFsAreNotBound() {
        var observed = converged
        observed.pciDevices = [pfAddress: ObservedPCIDevice(address: pfAddress, driver: "netdevsim", numVFs: 0, interface: "enp59s0f0")]
        observed.pciRecords = [:]
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), observed).operations.map(\.action), [
            .recordDevice(pfAddress, PCIDeviceRecord(role: .sriov, name: "enp59s0f0")),
            .setNumVFs(pf: pfAddress, count: 2, interface: "enp59s0f0"),
            .configureVF(pf: "enp59s0f0", .parked(index: 1)),
            .configureVF(pf: "enp59s0f0", configured(0)),
        ])
        observed.pciDevices[pfAddress]?.numVFs = 2
        observed.pciRecords = [pfAddress: PCIDeviceRecord(role: .sriov, name: "enp59s0f0")]
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), observed), Plan(), "converged, with nothing bound")
        XCTAssertEqual(F.plan(desired(numVfs: -1, vfs: []), observed).operations.map(\.action), [
            .setNumVFs(pf: pfAddress, count: 0, interface: "enp59s0f0"), .forgetDevice(pfAddress),
        ])
    }

    func testPassthroughRecordsTheOriginalDriverAndBindsToVFIO() {
        let wanted = desired(numVfs: 2, vfs: [vf(0)], passthrough: [passthroughNIC])
        XCTAssertEqual(F.plan(wanted, converged).operations, [
            Operation(item: "passthrough \(nicAddress)",
                      .recordDevice(nicAddress, PCIDeviceRecord(role: .passthrough, originalDriver: "ixgbe", name: "enp94s0f0"))),
            Operation(item: "passthrough \(nicAddress)", .bindToVFIO(.device(nicAddress))),
        ])
        var taken = converged
        taken.pciDevices[nicAddress] = ObservedPCIDevice(address: nicAddress, driver: "vfio-pci", driverOverride: "vfio-pci")
        taken.pciRecords[nicAddress] = PCIDeviceRecord(role: .passthrough, originalDriver: "ixgbe", name: "enp94s0f0")
        XCTAssertEqual(F.plan(wanted, taken), Plan())

        // Interrupted after the record, before binding: binds without recording again.
        var interrupted = taken
        interrupted.pciDevices[nicAddress] = ObservedPCIDevice(address: nicAddress, driver: "ixgbe", driverOverride: "vfio-pci")
        XCTAssertEqual(F.plan(wanted, interrupted).operations.map(\.action), [.bindToVFIO(.device(nicAddress))])

        // Released: given back to the recorded driver, then forgotten.
        XCTAssertEqual(F.plan(desired(numVfs: 2, vfs: [vf(0)]), taken).operations, [
            Operation(item: "passthrough \(nicAddress)", .giveBack(nicAddress, driver: "ixgbe")),
            Operation(item: "passthrough \(nicAddress)", .forgetDevice(nicAddress)),
        ])
        XCTAssertEqual(Planner.cleanup(observed: taken, configuration: F.configuration).operations.map(\.action), [
            .setNumVFs(pf: pfAddress, count: 0), .forgetDevice(pfAddress),
            .giveBack(nicAddress, driver: "ixgbe"), .forgetDevice(nicAddress),
        ])
    }

    func testADeviceNamedTwiceIsRefused() {
        var passthrough = passthroughNIC
        passthrough.pciAddress = pfAddress
        let plan = F.plan(desired(numVfs: 2, vfs: [vf(0)], passthrough: [passthrough]), converged)
        XCTAssertEqual(plan.errors.map(\.item), ["pf enp59s0f0", "passthrough \(pfAddress)"])
    }
}
