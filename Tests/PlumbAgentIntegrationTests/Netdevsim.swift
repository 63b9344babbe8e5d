import Foundation
import PlumbTestSupport

/// A netdevsim device in the real-kernel lane: the kernel's simulated NIC (Debian does not ship it;
/// `scripts/install-lane-deps.sh` builds it for the lane's kernel and `scripts/kernel-lane.sh` hands it in), with one
/// port, its PF netdev, and SR-IOV VFs set through the netdevsim bus's `sriov_numvfs` (it has no PCI functions: its
/// VFs are configuration slots kept by the driver).
struct Netdevsim {
    static let bus = "/sys/bus/netdevsim"
    /// Where `scripts/kernel-lane.sh` puts the modules built for the lane's kernel (`DIR/netdevsim/RELEASE/netdevsim.ko`).
    static let modulesVariable = "PLUMB_LANE_MODULES"

    let id: Int
    /// The PF's network device (`eniIDnp1` once udev names it).
    let pf: String

    var device: String { "\(Self.bus)/devices/netdevsim\(id)" }

    /// Loads netdevsim (with `psample`, the one module it needs) unless loaded, and creates device `id` with
    /// `vfs` VFs.
    init(id: Int, vfs: Int) throws {
        if !FileManager.default.fileExists(atPath: Self.bus) {
            guard let modules = ProcessInfo.processInfo.environment[Self.modulesVariable] else {
                throw NetworkNamespaceError(message: "\(Self.modulesVariable) is not set: run inside scripts/kernel-lane.sh")
            }
            let release = try NetworkNamespace.Command.run("uname", ["-r"]).standardOutput
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try NetworkNamespace.Command.run("modprobe", ["psample"])
            try NetworkNamespace.Command.run("insmod", ["\(modules)/netdevsim/\(release)/netdevsim.ko"])
        }
        self.id = id
        try Self.write("\(Self.bus)/new_device", "\(id) 1")
        let net = "\(Self.bus)/devices/netdevsim\(id)/net"
        // udev renames the port's netdev right after it appears: wait for the name to settle.
        try NetworkNamespace.Command.run("udevadm", ["settle"])
        let names = try FileManager.default.contentsOfDirectory(atPath: net)
        guard names.count == 1, let name = names.first else {
            throw NetworkNamespaceError(message: "netdevsim\(id) has network devices \(names), not one")
        }
        pf = name
        try setNumVFs(vfs)
    }

    /// Writes `sriov_numvfs` on the netdevsim bus device (the agent's `Sysfs` writes it for PCI PFs only).
    func setNumVFs(_ count: Int) throws {
        try Self.write("\(device)/sriov_numvfs", "\(count)")
    }

    /// `sriov_numvfs` as netdevsim reports it.
    func numVFs() throws -> Int {
        let text = try String(contentsOfFile: "\(device)/sriov_numvfs", encoding: .utf8)
        guard let count = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw NetworkNamespaceError(message: "sriov_numvfs reads '\(text)'")
        }
        return count
    }

    /// Deletes the device (its VFs and port go with it).
    func remove() {
        try? Self.write("\(Self.bus)/del_device", "\(id)")
    }

    /// One `write(2)` of `value` to a sysfs file, as `echo` does; throws with the kernel's refusal.
    static func write(_ path: String, _ value: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw NetworkNamespaceError(message: "cannot open \(path)")
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data("\(value)\n".utf8))
    }
}
