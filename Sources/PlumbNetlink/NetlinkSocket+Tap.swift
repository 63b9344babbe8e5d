import CNetlink
import CNetShim
import Glibc

extension NetlinkSocket {
    /// Creates a persistent tap through `/dev/net/tun` (`IFF_TAP | IFF_NO_PI | IFF_VNET_HDR`, exclusive), owned by
    /// the given uid/gid so an unprivileged QEMU can open it, sets MTU, link group, alias, master and IPv6 address
    /// generation mode over netlink (one request, before the tap is ever up), and only then makes it persistent.
    /// Returns the new index. A tap that already exists is refused with `EEXIST`; a failure after the tap exists
    /// deletes it again.
    @discardableResult
    public func createTap(_ spec: TapSpec) throws -> Int32 {
        let operation = "create tap"
        try NetlinkInputValidation.name(spec.name, operation: operation)
        _ = try NetlinkInputValidation.mtu(spec.mtu, operation: operation, device: spec.name)
        try NetlinkInputValidation.alias(spec.alias, operation: operation, device: spec.name)
        // The tun driver creates the tap in the calling thread's namespace, the socket configures it in its own.
        guard Self.currentNamespace() == namespace else {
            throw NetlinkError(operation: operation, device: spec.name, code: nil,
                               message: "called from a thread in another network namespace than the socket's")
        }
        logger.debug("creating tap", metadata: ["device": "\(spec.name)"])

        let fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw NetlinkError(operation: operation, device: spec.name, errno: errno, detail: "open /dev/net/tun") }
        defer { close(fd) }
        func check(_ result: Int32, _ step: String) throws {
            guard result < 0 else { return }
            throw NetlinkError(operation: operation, device: spec.name, errno: -result, detail: step)
        }
        let flags = Int16(truncatingIfNeeded: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL)
        let attached = plumb_tun_set_iff(fd, spec.name, flags)
        if attached == -EBUSY {
            throw NetlinkError(operation: operation, device: spec.name, errno: EEXIST, detail: "TUNSETIFF: a device with this name exists")
        }
        try check(attached, "TUNSETIFF")
        if let uid = spec.ownerUID { try check(plumb_tun_set_owner(fd, Int(uid)), "TUNSETOWNER") }
        if let gid = spec.ownerGID { try check(plumb_tun_set_group(fd, Int(gid)), "TUNSETGROUP") }
        // Until it is persistent the tap disappears when `fd` closes. It becomes persistent only once it carries
        // Plumb's link group and alias: an agent killed at any point before leaves no tap behind, and one killed
        // after leaves a tap that a restarted agent recognises as its own.
        return try finishCreation(name: spec.name, operation: operation) { index in
            if spec.mtu != nil || spec.group != nil || spec.alias != nil || spec.masterIndex != nil || spec.ipv6AddressGeneration != nil {
                try setLink(index: index, master: spec.masterIndex.map { .attach($0) }, mtu: spec.mtu, group: spec.group,
                            alias: spec.alias, ipv6AddressGeneration: spec.ipv6AddressGeneration)
            }
            try check(plumb_tun_set_persist(fd, 1), "TUNSETPERSIST")
        }
    }
}
