import CNetlink

/// Collects the kernel's answer to one request, message by message, and says when it is complete.
///
/// Pure: `NetlinkSocket` feeds it what it receives. Messages for other sequence numbers (late answers to earlier
/// requests) are ignored; `NLMSG_ERROR` ends the answer (errno 0 is the ack), as does `NLMSG_DONE` for dumps; a
/// message flagged `NLM_F_DUMP_INTR` marks the dump interrupted, so the caller repeats it.
struct NetlinkReplyCollector {
    let request: NetlinkMessage
    let operation: String
    let device: String?
    private(set) var messages: [RawNetlinkMessage] = []
    private(set) var interrupted = false
    private(set) var isComplete = false

    init(request: NetlinkMessage, operation: String, device: String?) {
        self.request = request
        self.operation = operation
        self.device = device
    }

    /// Takes one received message; throws the kernel's refusal as a `NetlinkError`.
    mutating func consume(_ raw: RawNetlinkMessage) throws {
        guard !isComplete, raw.sequence == request.sequence else { return }
        if raw.flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
        switch Int32(raw.type) {
        case NLMSG_ERROR:
            isComplete = true
            let status = try NetlinkAcknowledgement(raw)
            if status.errno != 0 {
                throw NetlinkError(operation: operation, device: device, errno: status.errno, detail: status.detail)
            }
        case NLMSG_DONE:
            isComplete = true
            // Since Linux 4.x a failed dump reports its error as a negative int in NLMSG_DONE.
            let status = raw.body.count >= 4 ? -Int32(bitPattern: NetlinkBytes.readU32(raw.body, at: 0)) : 0
            if status > 0 { throw NetlinkError(operation: operation, device: device, errno: status) }
        case NLMSG_NOOP, NLMSG_OVERRUN:
            break
        default:
            messages.append(raw)
            // A request that asks for neither a dump nor an ack is answered by exactly one message.
            if request.flags & UInt16(NLM_F_DUMP | NLM_F_ACK) == 0 { isComplete = true }
        }
    }
}
