import PlumbModel
import PlumbNetlink

/// What a hypervisor manager needs per VM NIC, read from the kernel and sysfs after applying.
extension Reconciler {
    /// How each VM NIC of `desired` is attached on this host, for the NICs applied without an error (`errors`, the
    /// apply's item errors): a tap's index and MTU from one link dump; a VF's PCI address, IOMMU group and interface
    /// (if a VF driver holds it) and a passed-through NIC's IOMMU group from sysfs. A NIC whose device is missing is
    /// left out: it is not attached.
    public func attachments(_ desired: HostDesiredState, errors: [HostStatusReport.ItemError]) throws -> [Attachment] {
        let failed = Set(errors.map(\.item))
        var attachments: [Attachment] = []
        if desired.networks.contains(where: { !$0.taps.isEmpty }) {
            let links = Dictionary(try socket.links().map { ($0.name, $0) }) { first, _ in first }
            for network in desired.networks where !failed.contains(PlanItem.network(vni: network.vni)) {
                for tap in network.taps where !failed.contains(PlanItem.tap(tap.name)) {
                    guard let link = links[tap.name], link.kind == "tun" else { continue }
                    attachments.append(Attachment(materialization: tap.materialization, vm: tap.vm, nic: tap.nic, kind: .tap,
                                                  mac: tap.mac, mtu: link.mtu, tap: tap.name, tapIfindex: Int(link.index)))
                }
            }
        }
        for pf in desired.pfs where !failed.contains(PlanItem.pf(pf.name)) {
            for vf in pf.vfs where !failed.contains(PlanItem.vf(pf: pf.name, index: vf.index)) {
                guard let address = try? sysfs.virtualFunction(pf: pf.pciAddress, index: vf.index) else { continue }
                attachments.append(Attachment(materialization: vf.materialization, vm: vf.vm, nic: vf.nic, kind: .vf, mac: vf.mac,
                                              pf: pf.name, vfIndex: vf.index, vfNetdev: try sysfs.networkInterfaces(address).first,
                                              pciAddress: address, iommuGroup: try sysfs.iommuGroup(address)))
            }
        }
        for entry in desired.passthrough where !failed.contains(PlanItem.passthrough(entry.pciAddress)) {
            guard try sysfs.device(entry.pciAddress) != nil else { continue }
            attachments.append(Attachment(materialization: entry.materialization, vm: entry.vm, nic: entry.nic, kind: .passthrough,
                                          pciAddress: entry.pciAddress, iommuGroup: try sysfs.iommuGroup(entry.pciAddress)))
        }
        return attachments
    }
}
