import CNetlink
import Glibc
import Logging

/// One libnl `NETLINK_ROUTE` socket, the agent's only channel to the kernel's network configuration.
///
/// It lives in the network namespace of the thread that creates it. Not thread-safe: use it from one thread
/// at a time (taps are created through `/dev/net/tun` in the calling thread's namespace, so call `createTap`
/// from a thread in the socket's namespace).
///
/// Requests are built by the pure `NetlinkMessage` builders; this class numbers them, sends them with
/// `nl_sendto`, reads answers with `nl_recv` and turns kernel errors into `NetlinkError`s. State is read
/// with dumps only; a dump the kernel marks interrupted (`NLM_F_DUMP_INTR`) is repeated.
public final class NetlinkSocket {
    /// How often a dump is repeated when the kernel keeps marking it interrupted.
    public static let dumpAttempts = 10

    let handle: OpaquePointer
    let logger: Logger
    /// The network namespace the socket was opened in (inode of `/proc/thread-self/ns/net`), if readable.
    let namespace: ino_t?
    private var nextSequence: UInt32

    /// Opens and connects the socket in the calling thread's current network namespace.
    /// Throws a `NetlinkError` naming the cause if netlink refuses (for example `EPERM`, `EPROTONOSUPPORT`).
    public init(logger: Logger) throws {
        guard let handle = nl_socket_alloc() else {
            throw NetlinkError(operation: "open socket", device: nil, code: ENOMEM, message: "libnl could not allocate a socket")
        }
        let result = nl_connect(handle, NETLINK_ROUTE)
        if result < 0 {
            let code = errno
            nl_socket_free(handle)
            throw NetlinkError(operation: "open socket", device: nil, code: code,
                               message: "\(String(cString: nl_geterror(result))) (\(String(cString: strerror(code))))")
        }
        nl_socket_enable_msg_peek(handle)
        _ = nl_socket_set_buffer_size(handle, 4 << 20, 1 << 20)
        var on: Int32 = 1
        let fd = nl_socket_get_fd(handle)
        // Extended acks carry the kernel's reason text ("Unknown device type", …); capped acks do not echo the request.
        _ = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, socklen_t(MemoryLayout<Int32>.size))
        self.handle = handle
        self.logger = logger
        self.namespace = Self.currentNamespace()
        self.nextSequence = UInt32(truncatingIfNeeded: time(nil))
    }

    deinit { nl_socket_free(handle) }

    /// The calling thread's network namespace, identified by the inode of `/proc/thread-self/ns/net`.
    static func currentNamespace() -> ino_t? {
        var info = stat()
        return stat("/proc/thread-self/ns/net", &info) == 0 ? info.st_ino : nil
    }

    /// Sends a request that expects an acknowledgement and waits for it; throws the kernel's error if it refuses.
    func perform(_ message: NetlinkMessage, operation: String, device: String?) throws {
        logger.debug("netlink request", metadata: ["operation": "\(operation)", "device": "\(device ?? "-")"])
        _ = try exchange(message, operation: operation, device: device)
    }

    /// Runs a dump, repeating it while the kernel marks it interrupted, and returns its messages.
    func dump(_ message: NetlinkMessage, familyHeaderSize: Int, operation: String) throws -> [NetlinkMessage] {
        for attempt in 1...Self.dumpAttempts {
            let answer = try exchange(message, operation: operation, device: nil)
            if !answer.interrupted {
                return try answer.messages.map { try NetlinkMessage($0, familyHeaderSize: familyHeaderSize) }
            }
            logger.debug("netlink dump interrupted, repeating", metadata: ["operation": "\(operation)", "attempt": "\(attempt)"])
        }
        throw NetlinkError(operation: operation, device: nil, code: EINTR,
                           message: "the kernel marked the dump interrupted \(Self.dumpAttempts) times in a row")
    }

    /// Numbers and sends a request, then reads until its answer is complete.
    private func exchange(_ message: NetlinkMessage, operation: String, device: String?) throws -> NetlinkReplyCollector {
        var request = message
        nextSequence &+= 1
        request.sequence = nextSequence
        var bytes = request.encoded
        let sent = bytes.withUnsafeMutableBytes { nl_sendto(handle, $0.baseAddress, $0.count) }
        if sent < 0 { throw libnlError(sent, operation: operation, device: device) }

        var collector = NetlinkReplyCollector(request: request, operation: operation, device: device)
        while !collector.isComplete {
            for raw in try receive(operation: operation, device: device) { try collector.consume(raw) }
        }
        return collector
    }

    /// One datagram from the kernel, split into messages.
    private func receive(operation: String, device: String?) throws -> [RawNetlinkMessage] {
        var peer = sockaddr_nl()
        var buffer: UnsafeMutablePointer<UInt8>?
        let count = nl_recv(handle, &peer, &buffer, nil)
        defer { free(buffer) }
        if count < 0 { throw libnlError(count, operation: operation, device: device) }
        guard count > 0, let buffer else {
            throw NetlinkError(operation: operation, device: device, code: nil, message: "the kernel closed the netlink socket")
        }
        return try RawNetlinkMessage.split(Array(UnsafeBufferPointer(start: buffer, count: Int(count))))
    }

    private func libnlError(_ code: Int32, operation: String, device: String?) -> NetlinkError {
        NetlinkError(operation: operation, device: device, code: nil, message: String(cString: nl_geterror(code)))
    }
}
