import Foundation
import PlumbNetlink
import PlumbTestSupport

/// Runs an iproute2 command under `strace` and returns the netlink messages it sent.
///
/// `strace -e write=all` prints a hex dump of every buffer a traced `sendmsg`/`sendto` writes
/// (`| 00000  8c 00 00 00 10 00 05 00  73 ac ...  |....|`); each dump restarting at offset 00000 is one buffer,
/// which holds one or more netlink messages.
enum NetlinkIproute2Capture {
    static func sentMessages(_ tool: String, _ arguments: [String]) throws -> (messages: [RawNetlinkMessage], output: NetworkNamespace.Command.Output) {
        let traceFile = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-strace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: traceFile) }
        let output = try NetworkNamespace.Command.execute("strace", [
            "-f", "-e", "trace=sendmsg,sendto", "-xx", "-s", "65535", "-e", "write=all", "-o", traceFile, tool,
        ] + arguments)
        let trace = try String(contentsOfFile: traceFile, encoding: .utf8)
        return (try buffers(inTrace: trace).flatMap { try RawNetlinkMessage.split(withoutZeroTail($0)) }, output)
    }

    /// The buffer up to its zero-filled tail: iproute2 sends some dump requests (`ip addr show`) from a buffer longer
    /// than the message, and a zero length is no message.
    static func withoutZeroTail(_ buffer: [UInt8]) -> ArraySlice<UInt8> {
        var offset = 0
        while offset + 16 <= buffer.count {
            let length = (0..<4).reduce(0) { $0 | Int(buffer[offset + $1]) << (8 * $1) }
            if length == 0 { return buffer[..<offset] }
            offset += (length + 3) & ~3
        }
        return buffer[...]
    }

    /// The written buffers in an strace log, in order.
    static func buffers(inTrace trace: String) throws -> [[UInt8]] {
        var buffers: [[UInt8]] = []
        for line in trace.split(separator: "\n") {
            // " | 00010  00 00 ...  00 00  ascii |": offset, then 16 byte columns in a 49-character field.
            guard let bar = line.firstIndex(of: "|") else { continue }
            let rest = line[line.index(after: bar)...].drop { $0 == " " }
            let offsetText = rest.prefix(5)
            guard offsetText.count == 5, let offset = Int(offsetText, radix: 16), rest.dropFirst(5).hasPrefix("  ") else { continue }
            let hexField = rest.dropFirst(7).prefix(49)
            let bytes = try hexField.split(separator: " ").map { token -> UInt8 in
                guard token.count == 2, let byte = UInt8(token, radix: 16) else {
                    throw NetworkNamespaceError(message: "unexpected strace dump line: \(line)")
                }
                return byte
            }
            if offset == 0 { buffers.append([]) }
            guard !buffers.isEmpty, buffers[buffers.count - 1].count == offset else {
                throw NetworkNamespaceError(message: "strace dump line out of sequence: \(line)")
            }
            buffers[buffers.count - 1] += bytes
        }
        return buffers
    }
}
