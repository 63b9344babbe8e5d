/// A tun/tap device's parameters (`IFLA_TUN_*`).
public struct KernelTun: Equatable, Sendable {
    public var isTap: Bool
    public var vnetHeader: Bool
    public var persistent: Bool
    public var ownerUID: UInt32?
    public var ownerGID: UInt32?

    public init(isTap: Bool, vnetHeader: Bool, persistent: Bool, ownerUID: UInt32?, ownerGID: UInt32?) {
        self.isTap = isTap
        self.vnetHeader = vnetHeader
        self.persistent = persistent
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
    }
}
