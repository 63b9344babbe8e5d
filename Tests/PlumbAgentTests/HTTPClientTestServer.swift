import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP/1.1 server on a loopback TCP socket, run on its own thread, for the transport tests
/// of ``HTTPClient`` that need no controller. It records every request it reads, the number of
/// connections it accepted, and answers each request with what `respond` returns.
final class HTTPClientTestServer: @unchecked Sendable {
    struct Request {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }
    }

    /// What the server sends back: a full response, or nothing (the connection stays open, silent).
    enum Reply {
        case response(status: Int, headers: [(String, String)], body: Data)
        case silence
    }

    let port: UInt16
    private let listener: Int32
    private let condition = NSCondition()
    private var requests: [Request] = []
    private var connections = 0
    private var stopped = false
    private let respond: (Request) -> Reply

    init(respond: @escaping (Request) -> Reply) throws {
        self.respond = respond
        (listener, port) = try Self.listen()
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit {
        stop()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Closes the listening socket; connections being served end with their client.
    func stop() {
        condition.lock()
        let wasStopped = stopped
        stopped = true
        condition.unlock()
        if !wasStopped { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    var recordedRequests: [Request] {
        condition.lock()
        defer { condition.unlock() }
        return requests
    }

    var acceptedConnections: Int {
        condition.lock()
        defer { condition.unlock() }
        return connections
    }

    /// Blocks until the server has read `count` requests.
    func waitForRequests(_ count: Int) {
        condition.lock()
        while requests.count < count { condition.wait() }
        condition.unlock()
    }

    /// A loopback TCP socket listening on a port the kernel chose.
    static func listen() throws -> (Int32, UInt16) {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress -> Bool in
                bind(socketFD, socketAddress, length) == 0 && Glibc.listen(socketFD, 16) == 0
                    && getsockname(socketFD, socketAddress, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(socketFD)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        return (socketFD, UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            condition.lock()
            connections += 1
            condition.unlock()
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = Data()
        while let request = readRequest(connection, &buffer) {
            condition.lock()
            requests.append(request)
            condition.broadcast()
            condition.unlock()
            switch respond(request) {
            case .silence:
                // Hold the connection open without answering until the client gives up.
                while readMore(connection, &buffer) {}
                return
            case .response(let status, let headers, let body):
                var head = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "\r\n"
                var bytes = Data(head.utf8)
                bytes.append(body)
                guard writeAll(connection, bytes) else { return }
            }
        }
    }

    private func readRequest(_ connection: Int32, _ buffer: inout Data) -> Request? {
        let separator = Data("\r\n\r\n".utf8)
        var headEnd = buffer.range(of: separator)
        while headEnd == nil {
            guard readMore(connection, &buffer) else { return nil }
            headEnd = buffer.range(of: separator)
        }
        let head = String(decoding: buffer[buffer.startIndex..<headEnd!.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        buffer.removeSubrange(buffer.startIndex..<headEnd!.upperBound)
        while buffer.count < length {
            guard readMore(connection, &buffer) else { return nil }
        }
        let body = Data(buffer.prefix(length))
        buffer.removeFirst(length)
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private func readMore(_ connection: Int32, _ buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = read(connection, &chunk, chunk.count)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func writeAll(_ connection: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let written = write(connection, bytes.baseAddress! + offset, bytes.count - offset)
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }
}
