/// How one VM NIC is attached on its hypervisor, as the agent found it after plumbing it: what a hypervisor
/// manager needs to start the VM (rendered for QEMU and libvirt by `Attachment+QEMU.swift`, `Attachment+Libvirt.swift`).
///
/// Reported by the agent in `HostStatusReport.attachments`, served per VM NIC in `Materialization.NIC.attachment`.
/// Exactly the fields of its kind are set: tap: `tap`, `tapIfindex`, `mac`, `mtu`; vf: `pf`, `vfIndex`, `pciAddress`,
/// `iommuGroup`, `mac` (and `vfNetdev` while a VF driver holds it); passthrough: `pciAddress`, `iommuGroup`.
public struct Attachment: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// virtio-net on a tap in the network's bridge.
        case tap
        /// An SR-IOV VF bound to `vfio-pci`.
        case vf
        /// A whole NIC bound to `vfio-pci`.
        case passthrough
    }

    public var materialization: String
    public var vm: String
    public var nic: String
    public var kind: Kind
    /// The guest's MAC: the tap's virtio NIC uses it; a VF carries it already (set by Plumb on the PF).
    public var mac: MACAddress?
    /// The MTU the guest must use (the tap's, which the agent set to the network's MTU).
    public var mtu: Int?
    /// The tap's name and interface index.
    public var tap: String?
    public var tapIfindex: Int?
    /// The VF's PF (interface name) and index on it.
    public var pf: String?
    public var vfIndex: Int?
    /// The VF's network interface, when a VF driver (not `vfio-pci`) holds it.
    public var vfNetdev: String?
    /// The PCI address to hand to the VM (the VF's, or the passed-through NIC's).
    public var pciAddress: PCIAddress?
    /// The device's IOMMU group (`/dev/vfio/N` that the VM's process must be able to open); nil without an IOMMU.
    public var iommuGroup: Int?

    enum CodingKeys: String, CodingKey {
        case materialization, vm, nic, kind, mac, mtu, tap, tapIfindex = "tap_ifindex", pf, vfIndex = "vf_index",
            vfNetdev = "vf_netdev", pciAddress = "pci_address", iommuGroup = "iommu_group"
    }

    public init(materialization: String, vm: String, nic: String, kind: Kind, mac: MACAddress? = nil, mtu: Int? = nil,
                tap: String? = nil, tapIfindex: Int? = nil, pf: String? = nil, vfIndex: Int? = nil, vfNetdev: String? = nil,
                pciAddress: PCIAddress? = nil, iommuGroup: Int? = nil) {
        self.materialization = materialization
        self.vm = vm
        self.nic = nic
        self.kind = kind
        self.mac = mac
        self.mtu = mtu
        self.tap = tap
        self.tapIfindex = tapIfindex
        self.pf = pf
        self.vfIndex = vfIndex
        self.vfNetdev = vfNetdev
        self.pciAddress = pciAddress
        self.iommuGroup = iommuGroup
    }
}

/// An attachment that lacks what its kind needs to be rendered.
public struct AttachmentRenderingError: Error, Equatable, CustomStringConvertible {
    public var nic: String
    public var message: String

    public init(nic: String, message: String) {
        self.nic = nic
        self.message = message
    }

    public var description: String { "NIC \(nic): \(message)" }
}

extension Attachment {
    /// The tap name, or the error saying it is missing.
    func requiredTap() throws -> String {
        guard let tap, !tap.isEmpty else { throw AttachmentRenderingError(nic: nic, message: "a tap attachment without a tap name") }
        return tap
    }

    /// The PCI address, or the error saying it is missing.
    func requiredPCIAddress() throws -> PCIAddress {
        guard let pciAddress else {
            throw AttachmentRenderingError(nic: nic, message: "a \(kind.rawValue) attachment without a PCI address")
        }
        return pciAddress
    }
}

extension Materialization {
    /// One VM's attachments, as its hypervisor reported them: what `GET /v1/materializations/{id}/vms/{vm}/attachments`
    /// renders and `plumbctl attachments` prints.
    public struct VMAttachments: Equatable, Sendable {
        public var vm: VM
        /// Every NIC's attachment, in the VM's NIC order, for the NICs that have one.
        public var attachments: [Attachment]
        /// The NICs whose attachment the hypervisor has not reported yet (or not for the generation this
        /// materialization needs): nothing should be rendered while any is left.
        public var unreported: [String]
    }

    /// The attachments of VM `name`; nil if this materialization has no such VM.
    public func attachments(ofVM name: String) -> VMAttachments? {
        guard let vm = vms.first(where: { $0.name == name }) else { return nil }
        return VMAttachments(vm: vm, attachments: vm.nics.compactMap(\.attachment),
                             unreported: vm.nics.filter { $0.attachment == nil }.map(\.name))
    }
}
