import CNetlink

/// The payload of an `NLMSG_ERROR` message: an errno (0 for a plain ack) and, with extended acks,
/// the kernel's explanation (`NLMSGERR_ATTR_MSG`).
struct NetlinkAcknowledgement: Equatable {
    /// The errno, positive; 0 for success.
    var errno: Int32
    var detail: String?

    init(_ raw: RawNetlinkMessage) throws {
        guard raw.body.count >= 20 else { throw NetlinkParseError("NLMSG_ERROR with \(raw.body.count) bytes") }
        errno = -Int32(bitPattern: NetlinkBytes.readU32(raw.body, at: 0))
        guard raw.flags & UInt16(NLM_F_ACK_TLVS) != 0 else { return }
        // After the error code comes the request's header, followed by the request's payload unless capped.
        let echoedLength = raw.flags & UInt16(NLM_F_CAPPED) != 0 ? 16 : Int(NetlinkBytes.readU32(raw.body, at: 4))
        let tlvStart = 4 + echoedLength + NetlinkBytes.padding(echoedLength)
        guard tlvStart <= raw.body.count else { return }
        let tlvs = try NetlinkAttribute.parse(Array(raw.body[tlvStart...]))
        detail = tlvs.first(NLMSGERR_ATTR_MSG.rawValue)?.string
    }
}
