import Foundation
import PlumbAgentKit
import PlumbModel
import PlumbTestSupport

/// The real NICs of the hypervisor behind the leaf in `LeafProcessFramesTests`, in the real-kernel lane: a netdevsim
/// device with SR-IOV VFs, its PF moved into the hypervisor's namespace (its agent sets VFs over netlink there, and
/// finds the PF's `sriov_numvfs` through the interface in that namespace's sysfs), and the lane's emulated e1000e,
/// passed through by PCI address (every namespace's sysfs shows `/sys/bus/pci`), its interface left where it is.
///
/// Read back independently of the agent: the VFs with `ip -d -j link show`, the e1000e's driver link and
/// `/dev/vfio/GROUP`. `restore()` leaves the e1000e as it was found, bound to e1000e, and removes the netdevsim device.
final class LaneHypervisorNICs {
    /// The driver the lane's emulated NIC has when nothing holds it.
    static let nicDriver = "e1000e"

    let sim: Netdevsim
    /// The e1000e's PCI address, its interface name (the facility's name for it) and its IOMMU group.
    let passthrough: (address: PCIAddress, name: String, group: String)

    /// One VF as `ip -d -j link show PF` shows it.
    struct VF: Equatable {
        var mac: MACAddress
        /// 0 for none.
        var vlan: Int
        var vlanProtocol: VLANProtocol
        var spoofcheck: Bool?
        var trust: Bool?
        var linkState: String?
    }

    /// Creates netdevsim device `id` (no VFs: the agent sets their count), moves its PF into `namespace`, loads
    /// vfio-pci, and finds the e1000e, which must be bound to e1000e with its interface.
    init(id: Int, into namespace: NetworkNamespace) throws {
        try NetworkNamespace.Command.run("modprobe", ["vfio-pci"])
        let bound = try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/drivers/\(Self.nicDriver)").compactMap(PCIAddress.init)
        guard bound.count == 1, let address = bound.first,
              let name = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices/\(address)/net"))?.first,
              let group = Self.linkTarget("/sys/bus/pci/devices/\(address)/iommu_group") else {
            throw NetworkNamespaceError(message: "expected one e1000e NIC with an interface and an IOMMU group in the lane, found \(bound)")
        }
        passthrough = (address, name, group)
        sim = try Netdevsim(id: id, vfs: 0)
        do {
            try NetworkNamespace.Command.run("ip", ["link", "set", sim.pf, "netns", namespace.name])
        } catch {
            sim.remove()
            throw error
        }
    }

    /// The VFs of PF `pf` in `namespace` as `ip -d -j link show` reads them, by VF index.
    static func vfs(of pf: String, in namespace: NetworkNamespace) throws -> [Int: VF] {
        guard let link = try namespace.ipJSON("-d", "link", "show", "dev", pf).first else {
            throw NetworkNamespaceError(message: "no \(pf) in \(namespace.name)")
        }
        var vfs: [Int: VF] = [:]
        for vf in link["vfinfo_list"] as? [[String: Any]] ?? [] {
            let tag = (vf["vlan_list"] as? [[String: Any]])?.first ?? [:]
            guard let index = vf["vf"] as? Int, let mac = (vf["address"] as? String).flatMap(MACAddress.init),
                  let vlanProtocol = VLANProtocol(rawValue: tag["protocol"] as? String ?? VLANProtocol.dot1q.rawValue) else {
                throw NetworkNamespaceError(message: "ip shows a VF of \(pf) that cannot be read back: \(vf)")
            }
            vfs[index] = VF(mac: mac, vlan: tag["vlan"] as? Int ?? 0, vlanProtocol: vlanProtocol, spoofcheck: vf["spoofchk"] as? Bool,
                            trust: vf["trust"] as? Bool, linkState: vf["link_state"] as? String)
        }
        return vfs
    }

    /// The driver the e1000e is bound to (its `driver` link), nil when none.
    var passthroughDriver: String? { Self.linkTarget("/sys/bus/pci/devices/\(passthrough.address)/driver") }

    /// The e1000e's interfaces once udev has settled (none while vfio-pci holds it).
    func passthroughInterfaces() throws -> [String] {
        try NetworkNamespace.Command.run("udevadm", ["settle"])
        return (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices/\(passthrough.address)/net")) ?? []
    }

    /// Whether `/dev/vfio/GROUP` exists: vfio-pci makes it when it holds every device of the group.
    var vfioGroupExists: Bool { FileManager.default.fileExists(atPath: "/dev/vfio/\(passthrough.group)") }

    /// Gives the e1000e back to its driver if anything still holds it (a test that failed before its
    /// dematerialization), waits for udev to name its interface again, and removes the netdevsim device.
    func restore() {
        if passthroughDriver != Self.nicDriver {
            _ = try? Sysfs().giveBack(passthrough.address, to: Self.nicDriver)
            _ = try? NetworkNamespace.Command.run("udevadm", ["settle"])
        }
        sim.remove()
    }

    /// The last component of a sysfs link's target, nil when there is no link.
    private static func linkTarget(_ path: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { ($0 as NSString).lastPathComponent }
    }
}
