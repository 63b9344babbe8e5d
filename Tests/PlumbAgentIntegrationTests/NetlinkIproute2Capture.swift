import CNetlink
import Foundation
import PlumbNetlink
import PlumbTestSupport
import XCTest

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

/// Comparing a hand-built request with the one iproute2 sent, for the request tests of each object kind.
enum Iproute2RequestNests {
    /// The nests of the requests compared, as type paths from the top level: expanded in failure messages.
    static let paths: Set<[UInt16]> = [
        [UInt16(IFLA_VFINFO_LIST)], [UInt16(IFLA_VFINFO_LIST), UInt16(IFLA_VF_INFO)],
        [UInt16(IFLA_VFINFO_LIST), UInt16(IFLA_VF_INFO), UInt16(IFLA_VF_VLAN_LIST)], [UInt16(IFLA_PROTINFO)],
        [UInt16(IFLA_AF_SPEC)], [UInt16(IFLA_AF_SPEC), UInt16(IFLA_BRIDGE_VLAN_TUNNEL_INFO)], [UInt16(IFLA_AF_SPEC), UInt16(AF_INET6)],
        [UInt16(IFLA_LINKINFO)],
        [UInt16(IFLA_LINKINFO), UInt16(IFLA_INFO_DATA)],
    ]
}

extension XCTestCase {
    /// The index of device `name` in `ns`, as iproute2 reports it.
    func index(of name: String, in ns: NetworkNamespace) throws -> Int32 {
        let link = try XCTUnwrap(ns.ipJSON("link", "show", "dev", name).first)
        return Int32(try XCTUnwrap(link["ifindex"] as? Int))
    }

    /// Asserts `ours` equals `theirs` byte for byte apart from sequence number and port id; on a mismatch the
    /// attribute trees show where they differ.
    func assertSameRequest(_ ours: NetlinkMessage, _ theirs: RawNetlinkMessage,
                           familyHeaderSize: Int = InterfaceInfoHeader.size,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let theirsParsed = try NetlinkMessage(theirs, familyHeaderSize: familyHeaderSize)
        XCTAssertEqual(ours.type, theirsParsed.type, "message type", file: file, line: line)
        XCTAssertEqual(ours.flags, theirsParsed.flags, "message flags", file: file, line: line)
        XCTAssertEqual(ours.familyHeader, theirsParsed.familyHeader, "family header (ifinfomsg / ndmsg)", file: file, line: line)
        XCTAssertEqual(try tree(ours.attributes), try tree(theirsParsed.attributes), "attribute tree", file: file, line: line)
        XCTAssertEqual(Array(ours.encoded.dropFirst(16)), theirs.body, "bytes after nlmsghdr", file: file, line: line)
    }

    /// A readable rendering of an attribute tree: raw type (flags included), nests expanded, leaves as hex.
    func tree(_ attributes: [NetlinkAttribute], path: [UInt16] = []) throws -> [String] {
        try attributes.flatMap { attribute -> [String] in
            let label = String(repeating: "  ", count: path.count) + "\(attribute.rawType)"
            let childPath = path + [attribute.type]
            if Iproute2RequestNests.paths.contains(childPath) {
                return [label + " {"] + (try tree(attribute.nestedAttributes(), path: childPath))
            }
            return [label + " " + attribute.payload.map { String(format: "%02x", $0) }.joined()]
        }
    }

    /// The one message iproute2 sent that has the attribute `type` at top level.
    func onlyRequest<T: BinaryInteger>(withAttribute type: T, in messages: [RawNetlinkMessage]) throws -> RawNetlinkMessage {
        let matching = try messages.filter { raw in
            guard raw.body.count >= InterfaceInfoHeader.size else { return false }
            return try NetlinkMessage(raw, familyHeaderSize: InterfaceInfoHeader.size).attributes.first(type) != nil
        }
        XCTAssertEqual(matching.count, 1, "iproute2 should send exactly one such request")
        return try XCTUnwrap(matching.first)
    }
}
