import PlumbModel

extension MACAddress {
    /// A MAC from its six octets, first on the wire first.
    init(octets: [UInt8]) {
        self.init(value: octets.prefix(6).reduce(0) { $0 << 8 | UInt64($1) })
    }
}
