/// A sysfs read or write that failed: which file, what was being done, and why.
public struct SysfsError: Error, CustomStringConvertible, Equatable {
    /// The file, relative to the sysfs root (`bus/pci/devices/0000:3b:00.0/sriov_numvfs`).
    public var path: String
    /// What was being done, such as `write 8` or `read link`.
    public var operation: String
    public var message: String

    public init(path: String, operation: String, message: String) {
        self.path = path
        self.operation = operation
        self.message = message
    }

    public var description: String { "sysfs \(operation) \(path) failed: \(message)" }
}
