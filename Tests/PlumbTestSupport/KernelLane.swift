import Foundation

/// `scripts/kernel-lane.sh`: runs a command as root inside Debian 12's kernel booted under QEMU, with this
/// machine's filesystem shared read-only, for what this machine's kernel cannot do (802.1Q, VLAN-filtering
/// bridges, VXLAN `vnifilter`).
///
/// Tests that need that kernel run on the host, where they skip with a reason, and again inside the lane, where
/// ``isInside`` is true and a missing kernel feature is a failure instead of a skip.
public enum KernelLane {
    /// The variable the lane's callers set inside the guest (`env PLUMB_KERNEL_LANE=1 …`).
    public static let insideVariable = "PLUMB_KERNEL_LANE"

    /// Whether this process runs inside the lane, i.e. on a kernel that must have everything.
    public static var isInside: Bool { ProcessInfo.processInfo.environment[insideVariable] == "1" }

    /// The script's exit status when the lane is not installed.
    public static let notInstalledStatus: Int32 = 125

    /// The repository's root, from this file's path.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Why the lane cannot run here, or nil when it can: the script checks the same files and exits 125 without them.
    public static var unavailableReason: String? {
        let cache = ProcessInfo.processInfo.environment["PLUMB_LANE_CACHE"] ?? "/var/cache/plumb-lane"
        let needed = ["\(cache)/venv/bin/vng", "/usr/bin/qemu-system-x86_64", "/usr/bin/udevadm", "/bin/busybox"]
        if let missing = needed.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
            return "\(missing) is missing: run scripts/install-deps.sh, which installs the real-kernel lane"
        }
        let kernels = (try? FileManager.default.contentsOfDirectory(atPath: "/boot"))?.filter { $0.hasPrefix("vmlinuz-") } ?? []
        if kernels.isEmpty { return "no kernel in /boot: run scripts/install-deps.sh, which installs the real-kernel lane" }
        if geteuid() != 0 { return "the lane's guest shares the host's files as root; run the tests as root" }
        return nil
    }

    /// Boots the lane, runs `command` inside (from the repository's root) and returns its output and exit status.
    public static func run(_ command: [String]) throws -> NetworkNamespace.Command.Output {
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(repositoryRoot.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        return try NetworkNamespace.Command.execute(repositoryRoot.appendingPathComponent("scripts/kernel-lane.sh").path,
                                                     ["--"] + command)
    }
}
