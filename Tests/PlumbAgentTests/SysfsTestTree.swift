import Foundation
import PlumbModel

/// A temporary directory laid out like the parts of sysfs the agent uses: a PF with SR-IOV (driver `ice`), one VF
/// of it (driver `iavf`), a NIC for passthrough (driver `ixgbe`), the drivers' `bind`/`unbind` files, `vfio-pci`,
/// `drivers_probe` and `class/net` entries. Attribute files start empty so tests can see exactly what was written.
final class SysfsTestTree {
    let root: String
    static let pf = PCIAddress("0000:3b:00.0")!
    static let vf0 = PCIAddress("0000:3b:02.0")!
    static let nic = PCIAddress("0000:5e:00.0")!

    init() throws {
        root = NSTemporaryDirectory() + "plumb-sysfs-\(UUID().uuidString)"
        for driver in ["ice", "iavf", "ixgbe", "vfio-pci"] {
            try file("bus/pci/drivers/\(driver)/bind")
            try file("bus/pci/drivers/\(driver)/unbind")
        }
        try file("bus/pci/drivers_probe")
        try device(Self.pf, driver: "ice", files: ["sriov_totalvfs": "8\n", "sriov_numvfs": "1\n"])
        try link("bus/pci/devices/\(Self.pf)/virtfn0", to: "../\(Self.vf0)")
        try device(Self.vf0, driver: "iavf")
        try link("bus/pci/devices/\(Self.vf0)/physfn", to: "../\(Self.pf)")
        try device(Self.nic, driver: "ixgbe")
        try link("class/net/enp59s0f0/device", to: "../../../bus/pci/devices/\(Self.pf)")
        try link("class/net/enp59s0f0v0/device", to: "../../../bus/pci/devices/\(Self.vf0)")
        try link("class/net/enp94s0f0/device", to: "../../../bus/pci/devices/\(Self.nic)")
        try FileManager.default.createDirectory(atPath: "\(root)/class/net/lo", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// A device directory with `driver_override` unset (`(null)`, as the kernel shows it) and a `driver` link.
    func device(_ address: PCIAddress, driver: String?, files: [String: String] = [:]) throws {
        let path = "bus/pci/devices/\(address)"
        try file("\(path)/driver_override", "(null)\n")
        for (name, content) in files { try file("\(path)/\(name)", content) }
        if let driver { try link("\(path)/driver", to: "../../drivers/\(driver)") }
    }

    func file(_ path: String, _ content: String = "") throws {
        let absolute = "\(root)/\(path)"
        try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: absolute, atomically: false, encoding: .utf8)
    }

    func link(_ path: String, to target: String) throws {
        let absolute = "\(root)/\(path)"
        try FileManager.default.createDirectory(atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: absolute)
        try FileManager.default.createSymbolicLink(atPath: absolute, withDestinationPath: target)
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8) }

    /// Every regular file under `bus/pci` that is not empty, with its content (what a run wrote, plus the fixtures).
    func nonEmptyFiles() throws -> [String: String] {
        var result: [String: String] = [:]
        let base = "\(root)/bus/pci"
        for case let path as String in FileManager.default.enumerator(atPath: base)! {
            let absolute = "\(base)/\(path)"
            guard (try FileManager.default.attributesOfItem(atPath: absolute)[.type] as? FileAttributeType) == .typeRegular,
                  let content = try? String(contentsOfFile: absolute, encoding: .utf8), !content.isEmpty else { continue }
            result["bus/pci/\(path)"] = content
        }
        return result
    }
}
