import PlumbModel

/// Checks on caller input, so a bad value is refused with the field named before anything reaches the kernel.
enum NetlinkInputValidation {
    /// `IFALIASZ - 1`.
    static let maximumAliasLength = 255

    static func name(_ name: String, operation: String) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= Limits.interfaceNameLength else {
            throw NetlinkError.invalid(operation, device: name, field: "name", "'\(name)' must be 1 to \(Limits.interfaceNameLength) bytes")
        }
        guard name != ".", name != "..", !bytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 <= 0x20 || $0 == 0x7F }) else {
            throw NetlinkError.invalid(operation, device: name, field: "name", "'\(name)' contains '/', ':', whitespace or control characters")
        }
    }

    static func mtu(_ mtu: Int?, operation: String, device: String) throws -> UInt32? {
        guard let mtu else { return nil }
        guard Limits.mtu.contains(mtu) else {
            throw NetlinkError.invalid(operation, device: device, field: "mtu", "\(mtu) is outside \(Limits.mtu)")
        }
        return UInt32(mtu)
    }

    static func alias(_ alias: String?, operation: String, device: String) throws {
        guard let alias else { return }
        guard alias.utf8.count <= maximumAliasLength, !alias.utf8.contains(0) else {
            throw NetlinkError.invalid(operation, device: device, field: "alias", "must be at most \(maximumAliasLength) bytes without NUL")
        }
    }

    static func index(_ index: Int32, field: String = "index", operation: String) throws {
        guard index > 0 else {
            throw NetlinkError.invalid(operation, device: "ifindex \(index)", field: field, "\(index) is not a device index")
        }
    }
}
