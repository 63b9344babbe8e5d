/// VM NIC attachments as QEMU command-line arguments.
///
/// A tap: `-netdev tap,id=ID,ifname=TAP,script=no,downscript=no` (Plumb made the tap and put it in its bridge:
/// QEMU must not run scripts on it) and `-device virtio-net-pci,netdev=ID,mac=MAC,host_mtu=MTU` (the guest's driver
/// takes the MTU from `host_mtu`, so the guest never sends a frame the network drops). A VF or passed-through NIC:
/// `-device vfio-pci,host=ADDRESS` (Plumb bound it to `vfio-pci`; its MAC and VLAN are set on the PF already).
extension Attachment {
    /// This NIC's arguments, in order, one array element per argv word.
    public func qemuArguments() throws -> [String] {
        switch kind {
        case .tap:
            let id = qemuID
            let netdev = "tap,id=\(id),ifname=\(Self.qemuOption(try requiredTap())),script=no,downscript=no"
            var device = "virtio-net-pci,netdev=\(id)"
            if let mac { device += ",mac=\(mac)" }
            if let mtu { device += ",host_mtu=\(mtu)" }
            return ["-netdev", netdev, "-device", device]
        case .vf, .passthrough:
            return ["-device", "vfio-pci,host=\(try requiredPCIAddress()),id=\(qemuID)"]
        }
    }

    /// The id QEMU knows this NIC by: `plumb-` and the NIC's name, with anything QEMU refuses in an id replaced by `_`.
    public var qemuID: String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._")
        return "plumb-" + String(nic.map { allowed.contains($0) ? $0 : "_" })
    }

    /// A value inside a QEMU option list: commas are doubled (QEMU's escape for a literal comma).
    static func qemuOption(_ value: String) -> String { value.replacingOccurrences(of: ",", with: ",,") }

    /// Every NIC's arguments, in the order given.
    public static func qemuArguments(_ attachments: [Attachment]) throws -> [String] {
        try attachments.flatMap { try $0.qemuArguments() }
    }

    /// The arguments as shell words, one option and its value per line (`\` continued), for a person or a script.
    public static func qemuShellText(_ attachments: [Attachment]) throws -> String {
        let arguments = try qemuArguments(attachments)
        var lines: [String] = []
        var index = 0
        while index < arguments.count {
            lines.append(arguments[index..<min(index + 2, arguments.count)].map(shellQuoted).joined(separator: " "))
            index += 2
        }
        return lines.joined(separator: " \\\n") + "\n"
    }

    /// A word quoted for POSIX shells when it needs it.
    static func shellQuoted(_ word: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._/:=,+@%")
        if !word.isEmpty, word.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
