import PlumbModel

extension IPv4Address {
    /// An address from its four octets in network order.
    init(octets: [UInt8]) {
        self.init(value: octets.prefix(4).reduce(0) { $0 << 8 | UInt32($1) })
    }
}
