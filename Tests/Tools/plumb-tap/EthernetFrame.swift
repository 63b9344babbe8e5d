import PlumbModel

/// An Ethernet II frame as it crosses a tap (no preamble, no FCS).
struct EthernetFrame: Equatable {
    var destination: MACAddress
    var source: MACAddress
    var etherType: UInt16
    var payload: [UInt8]

    /// Ethernet's minimum frame length without FCS: shorter frames are padded with zeros.
    static let minimumLength = 60
    static let headerLength = 14

    /// The frame's bytes, padded to ``minimumLength``.
    var bytes: [UInt8] {
        var bytes = destination.octets + source.octets + [UInt8(etherType >> 8), UInt8(etherType & 0xFF)] + payload
        if bytes.count < Self.minimumLength { bytes += [UInt8](repeating: 0, count: Self.minimumLength - bytes.count) }
        return bytes
    }

    /// Parses a frame; nil when it is shorter than an Ethernet header.
    init?(bytes: ArraySlice<UInt8>) {
        guard bytes.count >= Self.headerLength else { return nil }
        let start = bytes.startIndex
        destination = MACAddress(octets: bytes[start..<start + 6])
        source = MACAddress(octets: bytes[start + 6..<start + 12])
        etherType = UInt16(bytes[start + 12]) << 8 | UInt16(bytes[start + 13])
        payload = Array(bytes[(start + Self.headerLength)...])
    }

    init(destination: MACAddress, source: MACAddress, etherType: UInt16, payload: [UInt8]) {
        self.destination = destination
        self.source = source
        self.etherType = etherType
        self.payload = payload
    }
}

extension MACAddress {
    /// A MAC from its six octets, first on the wire first.
    init<Octets: Collection>(octets: Octets) where Octets.Element == UInt8 {
        self.init(value: octets.prefix(6).reduce(0) { $0 << 8 | UInt64($1) })
    }
}
