/// A change to a device's master.
public enum MasterChange: Equatable, Sendable {
    /// Enslave to the device with this index (`ip link set DEV master M`).
    case attach(Int32)
    /// Release from any master (`ip link set DEV nomaster`).
    case detach
}
