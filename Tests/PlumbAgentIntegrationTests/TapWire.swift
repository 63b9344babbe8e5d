import Foundation
import Glibc
import PlumbTestSupport

/// A virtio VM's stand-in on a tap the agent made: the test attaches to the tap through `/dev/net/tun` as QEMU does,
/// and copies every frame between it and a tap inside the VM's namespace (the guest's `eth0`, with an IP stack), in
/// both directions, until ``stop()``. So the guest's frames leave through Plumb's tap, exactly where a VM's would.
final class TapWire: @unchecked Sendable {
    /// `<linux/if_tun.h>`: `IFF_TAP`, `IFF_NO_PI`, `IFF_VNET_HDR`; `TUNSETIFF` is `_IOW('T', 202, int)`,
    /// `TUNGETVNETHDRSZ` `_IOR('T', 215, int)`.
    private static let tapFlag: Int16 = 0x0002, noPacketInformation: Int16 = 0x1000, vnetHeaderFlag: Int16 = 0x4000
    private static let setInterface: UInt = 0x4004_54CA, getVnetHeaderSize: UInt = 0x8004_54D7

    private let agentTap: Int32
    private let guestTap: Int32
    /// Bytes of virtio-net header in front of each frame on the agent's tap.
    private let headerLength: Int
    private let lock = NSLock()
    private var stopped = false
    private let finished = DispatchGroup()

    /// Attaches to `tap` in `hypervisor` (with the flags the agent makes its taps with, so the tap stays as the agent
    /// wants it) and to a new tap `eth0` of `guest`, and starts copying.
    init(tap: String, in hypervisor: NetworkNamespace, guest: NetworkNamespace) throws {
        try guest.ip("tuntap", "add", "dev", "eth0", "mode", "tap")
        agentTap = try hypervisor.run { try Self.attach(tap, flags: Self.tapFlag | Self.noPacketInformation | Self.vnetHeaderFlag) }
        var size: Int32 = 0
        guard ioctl(agentTap, Self.getVnetHeaderSize, &size) == 0, size >= 10 else {
            close(agentTap)
            throw NetworkNamespaceError(message: "cannot read the virtio-net header size of \(tap)")
        }
        headerLength = Int(size)
        do {
            guestTap = try guest.run { try Self.attach("eth0", flags: Self.tapFlag | Self.noPacketInformation) }
        } catch {
            close(agentTap)
            throw error
        }
        let header = headerLength
        copy(from: agentTap, to: guestTap) { frame in Array(frame.dropFirst(header)) }
        copy(from: guestTap, to: agentTap) { frame in [UInt8](repeating: 0, count: header) + frame }
    }

    deinit { stop() }

    /// Stops copying and detaches from both taps (the agent's stays, without carrier).
    func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        guard first else { return }
        finished.wait()
        close(agentTap)
        close(guestTap)
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Attaches to the existing tap `name` of the calling thread's namespace.
    private static func attach(_ name: String, flags: Int16) throws -> Int32 {
        guard if_nametoindex(name) != 0 else { throw NetworkNamespaceError(message: "no tap \(name)") }
        let descriptor = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw NetworkNamespaceError(message: "open /dev/net/tun: \(String(cString: strerror(errno)))") }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn) { bytes in
            for (index, byte) in name.utf8.prefix(bytes.count - 1).enumerated() { bytes[index] = byte }
        }
        request.ifr_ifru.ifru_flags = flags
        guard ioctl(descriptor, setInterface, &request) == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw NetworkNamespaceError(message: "attach to tap \(name): \(message)")
        }
        return descriptor
    }

    /// Copies frames from `source` to `destination` on a thread of its own, rewritten by `transform`, until stopped.
    private func copy(from source: Int32, to destination: Int32, _ transform: @escaping ([UInt8]) -> [UInt8]) {
        finished.enter()
        let thread = Thread { [self] in
            defer { finished.leave() }
            var buffer = [UInt8](repeating: 0, count: 65_536 + 64)
            while !isStopped {
                var poller = pollfd(fd: source, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let count = read(source, &buffer, buffer.count)
                guard count > 0 else { continue }
                let frame = transform(Array(buffer[0..<count]))
                _ = frame.withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
            }
        }
        thread.start()
    }
}
