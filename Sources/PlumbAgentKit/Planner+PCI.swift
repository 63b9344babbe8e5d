import PlumbModel

/// Planning of PCI devices: SR-IOV PFs and their VFs, passthrough devices, and giving back what Plumb took.
extension PlanBuilder {
    static let vfio = "vfio-pci"

    private func pfItem(_ pf: HostDesiredState.PF) -> String { PlanItem.pf(pf.name) }
    private func vfItem(_ pf: HostDesiredState.PF, _ index: Int) -> String { PlanItem.vf(pf: pf.name, index: index) }
    private func passthroughItem(_ address: PCIAddress) -> String { PlanItem.passthrough(address) }

    /// Releases recorded devices the document no longer uses as recorded: SR-IOV PFs go back to 0 VFs,
    /// passthrough devices go back to their original driver. Each record is removed once its device is released.
    mutating func releasePCIDevices(keepingPFs pfs: [HostDesiredState.PF], passthrough: [HostDesiredState.Passthrough]) {
        let keptPFs = Set(pfs.map(\.pciAddress))
        let keptPassthrough = Set(passthrough.map(\.pciAddress))
        for (address, record) in observed.pciRecords.sorted(by: { $0.key < $1.key }) {
            let device = observed.pciDevices[address]
            switch record.role {
            case .sriov:
                guard !keptPFs.contains(address) else { continue }
                let item = "pf \(address)"
                if let numVFs = device?.numVFs, numVFs != 0 {
                    add(item, .setNumVFs(pf: address, count: 0, interface: device?.interface))
                }
                add(item, .forgetDevice(address))
            case .passthrough:
                guard !keptPassthrough.contains(address) else { continue }
                let item = passthroughItem(address)
                if let device, device.driver == Self.vfio || device.driverOverride == Self.vfio {
                    add(item, .giveBack(address, driver: record.originalDriver))
                }
                add(item, .forgetDevice(address))
            }
        }
    }

    /// Sets each PF's VF count (through 0 when changing between two non-zero counts, as the kernel requires),
    /// configures the VFs in use and binds them to `vfio-pci`, and parks the VFs not in use. A PF whose interface is
    /// another PCI function than the document's address is refused: VFs would be made on one NIC and set on another.
    mutating func planPFs(_ pfs: [HostDesiredState.PF], passthrough: [HostDesiredState.Passthrough]) {
        let passedThrough = Set(passthrough.map(\.pciAddress))
        var seen = Set<PCIAddress>()
        for pf in pfs {
            let item = pfItem(pf)
            guard seen.insert(pf.pciAddress).inserted, !passedThrough.contains(pf.pciAddress) else {
                fail(item, "PCI device \(pf.pciAddress) appears twice in the document"); continue
            }
            guard let device = observed.pciDevices[pf.pciAddress] else {
                fail(item, "PCI device \(pf.pciAddress) not found in sysfs"); continue
            }
            if let behind = observed.interfacePCIAddresses[pf.name], behind != pf.pciAddress {
                fail(item, "network device \(pf.name) is PCI device \(behind), not \(pf.pciAddress)"); continue
            }
            guard device.totalVFs != nil || device.numVFs != nil else {
                fail(item, "PCI device \(pf.pciAddress) has no SR-IOV capability"); continue
            }
            // Off the PCI bus the limit may not be in sysfs (netdevsim's is in debugfs): `sriov_numvfs` refuses beyond it.
            if let total = device.totalVFs, !(0...total).contains(pf.numVfs) {
                fail(item, "numVfs \(pf.numVfs) is outside 0...\(total) (sriov_totalvfs)"); continue
            }
            if observed.pciRecords[pf.pciAddress]?.role != .sriov {
                add(item, .recordDevice(pf.pciAddress, PCIDeviceRecord(role: .sriov, name: pf.name)))
            }
            let current = device.numVFs ?? 0
            let changed = current != pf.numVfs
            if changed {
                if current != 0 && pf.numVfs != 0 { add(item, .setNumVFs(pf: pf.pciAddress, count: 0, interface: device.interface)) }
                add(item, .setNumVFs(pf: pf.pciAddress, count: pf.numVfs, interface: device.interface))
            }
            planVFs(pf, device: device, fresh: changed)
        }
    }

    private mutating func planVFs(_ pf: HostDesiredState.PF, device: ObservedPCIDevice, fresh: Bool) {
        let item = pfItem(pf)
        var wanted: [Int: VFConfiguration] = [:]
        for vf in pf.vfs {
            let vfItem = vfItem(pf, vf.index)
            guard (0..<pf.numVfs).contains(vf.index) else { fail(vfItem, "index \(vf.index) is outside 0..<\(pf.numVfs) (numVfs)"); continue }
            guard wanted[vf.index] == nil else { fail(vfItem, "VF \(vf.index) appears twice in the document"); continue }
            guard Limits.vlanID.contains(vf.vlan) else { fail(vfItem, "vlan \(vf.vlan) is outside \(Limits.vlanID)"); continue }
            wanted[vf.index] = VFConfiguration(index: vf.index, mac: vf.mac, vlan: vf.vlan, vlanProtocol: vf.vlanProtocol,
                                               spoofcheck: vf.spoofcheck, trust: vf.trust, linkState: vf.linkState)
        }
        guard pf.numVfs > 0 else { return }
        guard let link = link(named: pf.name) else {
            fail(item, "network device \(pf.name) not found: its VFs cannot be configured"); return
        }
        // VFs given back are parked before any VF is configured: a MAC released by one VF may be the MAC another VF
        // now takes, and no two VFs may ever show one MAC (the kernel and netdevsim accept it; a leaf or a real NIC's
        // switch then forwards to either).
        let parkedFirst = (0..<pf.numVfs).filter { wanted[$0] == nil } + (0..<pf.numVfs).filter { wanted[$0] != nil }
        for index in parkedFirst {
            let configuration = wanted[index] ?? .parked(index: index)
            let vfItem = vfItem(pf, index)
            let current = fresh ? nil : link.vfs.first { $0.index == index }
            if !Self.matches(current, configuration) { add(vfItem, parent: item, .configureVF(pf: pf.name, configuration)) }
            // A VF of a PF that is no PCI function has no PCI function either: nothing to bind.
            guard wanted[index] != nil, device.interface == nil else { continue }
            let address = fresh ? nil : device.virtualFunctions[index]
            if address.flatMap({ observed.pciDevices[$0]?.driver }) != Self.vfio {
                add(vfItem, parent: item, .bindToVFIO(.virtualFunction(pf: pf.pciAddress, index: index)))
            }
        }
    }

    /// Whether a VF already has the settings; settings the driver does not report are taken as set.
    static func matches(_ observed: ObservedVF?, _ wanted: VFConfiguration) -> Bool {
        guard let observed else { return false }
        if let mac = wanted.mac, observed.mac != mac { return false }
        if observed.vlan != wanted.vlan { return false }
        if wanted.vlan != 0 && (observed.vlanProtocol ?? .dot1q) != wanted.vlanProtocol { return false }
        if let spoofcheck = observed.spoofcheck, spoofcheck != wanted.spoofcheck { return false }
        if let trust = observed.trust, trust != wanted.trust { return false }
        if let linkState = observed.linkState, linkState != wanted.linkState { return false }
        return true
    }

    /// Records and binds each passthrough device to `vfio-pci`.
    mutating func planPassthrough(_ passthrough: [HostDesiredState.Passthrough], pfs: [HostDesiredState.PF]) {
        let sriov = Set(pfs.map(\.pciAddress))
        var seen = Set<PCIAddress>()
        for entry in passthrough {
            let item = passthroughItem(entry.pciAddress)
            guard seen.insert(entry.pciAddress).inserted, !sriov.contains(entry.pciAddress) else {
                fail(item, "PCI device \(entry.pciAddress) appears twice in the document"); continue
            }
            guard let device = observed.pciDevices[entry.pciAddress] else {
                fail(item, "PCI device \(entry.pciAddress) not found in sysfs"); continue
            }
            if observed.pciRecords[entry.pciAddress]?.role != .passthrough {
                let original = device.driver == Self.vfio ? nil : device.driver
                add(item, .recordDevice(entry.pciAddress, PCIDeviceRecord(role: .passthrough, originalDriver: original, name: entry.name)))
            }
            if device.driver != Self.vfio || device.driverOverride != Self.vfio {
                add(item, .bindToVFIO(.device(entry.pciAddress)))
            }
        }
    }
}
