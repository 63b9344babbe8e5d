import Glibc

/// A netlink operation that failed: what was being done, to which device, and why.
///
/// `code` is the errno the kernel (or the tun driver) answered, when there is one, so callers can tell
/// "already exists" (`EEXIST`) or "not supported" (`EOPNOTSUPP`) apart; it is nil for input the agent
/// refused before asking the kernel.
public struct NetlinkError: Error, CustomStringConvertible, Equatable {
    /// The operation, such as `create vxlan` or `set vf`.
    public var operation: String
    /// The device name or `ifindex N` the operation was about; nil for whole-table operations such as dumps.
    public var device: String?
    /// The errno, positive (`EEXIST`, `EPERM`, …), if the kernel gave one.
    public var code: Int32?
    /// Why it failed: the errno text, plus the kernel's extended-ack message if it sent one, or the invalid field.
    public var message: String

    public init(operation: String, device: String?, code: Int32?, message: String) {
        self.operation = operation
        self.device = device
        self.code = code
        self.message = message
    }

    /// An error for an errno, with the kernel's extended-ack text appended when present.
    public init(operation: String, device: String?, errno code: Int32, detail: String? = nil) {
        var text = String(cString: strerror(code))
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        self.init(operation: operation, device: device, code: code, message: text)
    }

    /// Refused input: names the field and what is wrong with it.
    public static func invalid(_ operation: String, device: String?, field: String, _ problem: String) -> NetlinkError {
        NetlinkError(operation: operation, device: device, code: nil, message: "invalid \(field): \(problem)")
    }

    public var description: String {
        "netlink \(operation)" + (device.map { " on \($0)" } ?? "") + " failed: \(message)"
    }
}
