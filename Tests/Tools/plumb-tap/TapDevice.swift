import CNetShim
import Foundation
import Glibc
import PlumbModel

/// An existing tap, attached through `/dev/net/tun` the way QEMU attaches to a VM's tap.
///
/// Attaching asks for `IFF_TAP | IFF_NO_PI | IFF_VNET_HDR`, the flags the agent creates its taps with (the tun
/// driver replaces the device's flags with the attacher's, so a different set would change the tap under the
/// agent). Every frame therefore carries a virtio-net header in front, of the size the tap reports; plumb-tap
/// writes it zeroed (no offloads) and drops it on reading.
final class TapDevice {
    let name: String
    private let descriptor: Int32
    /// Bytes of virtio-net header before each frame (`TUNGETVNETHDRSZ`, 10 unless someone changed it).
    let vnetHeaderLength: Int

    /// `<linux/if_tun.h>` values (not exported by the Glibc module).
    private static let tapFlag: Int32 = 0x0002, noPacketInformation: Int32 = 0x1000, vnetHeaderFlag: Int32 = 0x4000
    private static let getVnetHeaderSize: UInt = 0x8004_54D7  // _IOR('T', 215, int)
    /// Room for a 64 KiB frame and its header.
    private static let bufferSize = 65_536 + 64

    /// Attaches to the tap `name` in the current network namespace; never creates one.
    init(attachingTo name: String) throws {
        guard !name.isEmpty, name.utf8.count <= Limits.interfaceNameLength, !name.contains("/") else {
            throw TapError(message: "'\(name)' is not a valid interface name (1 to \(Limits.interfaceNameLength) bytes)",
                           exitCode: .validationFailure)
        }
        // TUNSETIFF on a name that does not exist would create a new tap; a VM's NIC must find the agent's.
        guard if_nametoindex(name) != 0 else {
            throw TapError(message: "no device named \(name) in this network namespace (run plumb-tap through ip netns exec NS)")
        }
        let descriptor = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TapError(message: "cannot open /dev/net/tun: \(String(cString: strerror(errno)))")
        }
        let result = plumb_tun_set_iff(descriptor, name, Int16(truncatingIfNeeded: Self.tapFlag | Self.noPacketInformation | Self.vnetHeaderFlag))
        guard result == 0 else {
            close(descriptor)
            switch -result {
            case EBUSY: throw TapError(message: "tap \(name) is in use by another process (a VM or another plumb-tap)")
            case EINVAL: throw TapError(message: "\(name) is not a tap")
            case EPERM: throw TapError(message: "not allowed to attach to tap \(name): run as root or as its owner")
            default: throw TapError(message: "cannot attach to tap \(name): \(String(cString: strerror(-result)))")
            }
        }
        var size: Int32 = 0
        guard ioctl(descriptor, Self.getVnetHeaderSize, &size) == 0, size >= 10 else {
            close(descriptor)
            throw TapError(message: "cannot read the virtio-net header size of tap \(name): \(String(cString: strerror(errno)))")
        }
        self.name = name
        self.descriptor = descriptor
        self.vnetHeaderLength = Int(size)
    }

    deinit { close(descriptor) }

    /// Waits until the tap is up and, if it is a bridge port, forwarding: attaching raises its carrier, and the
    /// bridge opens the port only once it has seen that, so frames sent or expected earlier would be lost.
    func waitUntilForwarding(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        var flags = Self.sysfs(name, "flags").flatMap { Int($0.dropFirst(2), radix: 16) } ?? 0
        guard flags & Int(IFF_UP) != 0 else { throw TapError(message: "tap \(name) is down") }
        while true {
            flags = Self.sysfs(name, "flags").flatMap { Int($0.dropFirst(2), radix: 16) } ?? 0
            let carrier = Self.sysfs(name, "carrier") == "1"
            // No brport directory: not in a bridge, nothing else to wait for. 3 is BR_STATE_FORWARDING.
            let portState = Self.sysfs(name, "brport/state")
            if carrier, portState == nil || portState == "3" { return }
            guard ContinuousClock.now < deadline else {
                throw TapError(message: "tap \(name) did not start forwarding within \(timeout) (carrier \(carrier ? 1 : 0), "
                                   + "bridge port state \(portState ?? "none"))")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Writes one frame (with a zeroed virtio-net header in front).
    func send(_ frame: EthernetFrame) throws {
        let packet = [UInt8](repeating: 0, count: vnetHeaderLength) + frame.bytes
        let written = packet.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == packet.count else {
            throw TapError(message: "writing a frame to tap \(name) failed: "
                               + (written < 0 ? String(cString: strerror(errno)) : "short write of \(written) bytes"))
        }
    }

    /// Reads the next frame, waiting at most `timeout`; nil when none arrived in time.
    func receive(timeout: Duration) throws -> EthernetFrame? {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&request, 1, max(0, milliseconds))
        if ready < 0 {
            if errno == EINTR { return nil }
            throw TapError(message: "waiting for frames on tap \(name) failed: \(String(cString: strerror(errno)))")
        }
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: Self.bufferSize)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return nil }
            throw TapError(message: "reading tap \(name) failed: \(String(cString: strerror(errno)))")
        }
        return EthernetFrame(bytes: buffer[min(vnetHeaderLength, count)..<count])
    }

    /// A file's first line under `/sys/class/net/NAME/` (the namespace's own sysfs under `ip netns exec`).
    private static func sysfs(_ name: String, _ file: String) -> String? {
        guard let text = try? String(contentsOfFile: "/sys/class/net/\(name)/\(file)", encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
