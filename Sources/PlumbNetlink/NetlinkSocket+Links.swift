import CNetlink
import CNetShim
import Glibc

extension NetlinkSocket {
    /// Every device in the namespace, from one `RTM_GETLINK` dump (with VF details).
    public func links() throws -> [KernelLink] {
        try dump(.dumpLinks(), familyHeaderSize: InterfaceInfoHeader.size, operation: "dump links")
            .filter { $0.type == UInt16(RTM_NEWLINK) }
            .map(KernelLink.init)
    }

    /// Creates a VXLAN device, sets its alias if any, and returns its index.
    /// If a later step fails the new device is deleted again, so nothing is left half-made.
    @discardableResult
    public func createVXLAN(_ spec: VXLANSpec) throws -> Int32 {
        try create(.createVXLAN(spec), name: spec.name, alias: spec.alias, ipv6AddressGeneration: spec.ipv6AddressGeneration,
                   operation: "create vxlan")
    }

    /// Creates a bridge (`ip link add NAME type bridge`), sets its alias and IPv6 address generation mode if given
    /// (one request, before it is up), and returns its index.
    @discardableResult
    public func createBridge(name: String, mtu: Int? = nil, group: UInt32? = nil, alias: String? = nil,
                             ipv6AddressGeneration: IPv6AddressGeneration? = nil) throws -> Int32 {
        try create(.createBridge(name: name, mtu: mtu, group: group), name: name, alias: alias,
                   ipv6AddressGeneration: ipv6AddressGeneration, operation: "create bridge")
    }

    /// Changes a device: master, up/down, MTU, link group, alias (empty string removes it), IPv6 address generation.
    /// Nil leaves a field alone.
    public func setLink(index: Int32, master: MasterChange? = nil, up: Bool? = nil, mtu: Int? = nil,
                        group: UInt32? = nil, alias: String? = nil, ipv6AddressGeneration: IPv6AddressGeneration? = nil) throws {
        try perform(.setLink(index: index, master: master, up: up, mtu: mtu, group: group, alias: alias,
                             ipv6AddressGeneration: ipv6AddressGeneration),
                    operation: "set link", device: "ifindex \(index)")
    }

    /// Deletes a device.
    public func deleteLink(index: Int32) throws {
        try perform(.deleteLink(index: index), operation: "delete link", device: "ifindex \(index)")
    }

    /// Sets the bridge port `isolated` flag on a bridge port (hand-built `AF_BRIDGE` `RTM_SETLINK`).
    public func setBridgePortIsolated(index: Int32, isolated: Bool) throws {
        try perform(.setBridgePortIsolated(index: index, isolated: isolated),
                    operation: "set bridge port isolated", device: "ifindex \(index)")
    }

    /// Applies one VF's settings on its PF (`ip link set PF vf N ...`). Read them back with `links()`:
    /// drivers may accept a request and still not apply every field.
    public func setVF(pfIndex: Int32, _ vf: VFSettings) throws {
        try perform(.setVF(pfIndex: pfIndex, vf), operation: "set vf \(vf.index)", device: "ifindex \(pfIndex)")
    }

    /// Deletes every device in link group `group` with one request (`ip link del group G`): the kernel unregisters
    /// them together, waiting for RCU once instead of once per device (about 20 ms each). `ENODEV` if the group is empty.
    public func deleteGroup(_ group: UInt32) throws {
        try perform(.deleteGroup(group), operation: "delete group \(group)", device: nil)
    }

    /// The index of a device just created, by name: `SIOCGIFINDEX` on this socket, which answers for the socket's
    /// namespace (one ioctl instead of an `RTM_GETLINK` request and its full reply).
    func index(ofCreated name: String, operation: String) throws -> Int32 {
        let index = plumb_interface_index(nl_socket_get_fd(handle), name)
        guard index > 0 else {
            throw NetlinkError(operation: operation, device: name, code: index < 0 ? -index : ENODEV,
                               message: "created, but the kernel does not report it")
        }
        return index
    }

    /// Sends a create request, finds the new index, sets the alias and the IPv6 address generation mode (one
    /// request, while the device is still down: see `NetlinkMessage.setLink`); deletes the device if the later steps fail.
    func create(_ request: NetlinkMessage, name: String, alias: String?, ipv6AddressGeneration: IPv6AddressGeneration?,
                operation: String) throws -> Int32 {
        try NetlinkInputValidation.alias(alias, operation: operation, device: name)
        try perform(request, operation: operation, device: name)
        return try finishCreation(name: name, operation: operation) { index in
            if alias != nil || ipv6AddressGeneration != nil {
                try setLink(index: index, alias: alias, ipv6AddressGeneration: ipv6AddressGeneration)
            }
        }
    }

    /// Looks up a new device's index and runs `configure` on it; on failure removes the device and rethrows.
    func finishCreation(name: String, operation: String, configure: (Int32) throws -> Void) throws -> Int32 {
        let index = try self.index(ofCreated: name, operation: operation)
        do {
            try configure(index)
        } catch {
            do { try deleteLink(index: index) } catch let cleanup {
                logger.error("could not remove half-made device", metadata: ["device": "\(name)", "error": "\(cleanup)"])
            }
            throw error
        }
        return index
    }
}
