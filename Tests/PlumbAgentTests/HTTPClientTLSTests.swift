import Foundation
import PlumbHTTPClient
import XCTest

/// ``HTTPClient`` over HTTPS: a certificate is accepted only when the configured CA file vouches for it.
/// The server is Python's `http.server` wrapped in TLS with a certificate `openssl` makes for the test.
final class HTTPClientTLSTests: XCTestCase {
    private var directory: URL!
    private var server: Process?
    private var port = 0

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", directory.appendingPathComponent("key.pem").path, "-out", certificate)
        try startServer()
    }

    override func tearDownWithError() throws {
        if let server, server.isRunning {
            server.terminate()
            server.waitUntilExit()
        }
        try FileManager.default.removeItem(at: directory)
    }

    private var certificate: String { directory.appendingPathComponent("cert.pem").path }

    func testCAFileVerifiesTheServer() throws {
        let client = HTTPClient(configuration: .init(caFile: certificate, bearerToken: "over-tls"))
        let response = try client.send(method: "GET", url: "https://127.0.0.1:\(port)/healthz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "GET /healthz Bearer over-tls")
    }

    func testUnknownCertificateIsRefused() throws {
        XCTAssertThrowsError(try HTTPClient().send(method: "GET", url: "https://127.0.0.1:\(port)/healthz")) { error in
            let failure = error as? HTTPClientError
            XCTAssertEqual(failure?.code, 60, "CURLE_PEER_FAILED_VERIFICATION expected: \(error)")
        }
    }

    /// Starts the HTTPS server on a port the kernel picks; it prints the port once it listens.
    private func startServer() throws {
        let script = """
            import http.server, ssl, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    body = ("GET " + self.path + " " + self.headers.get("Authorization", "")).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
            server.socket = context.wrap_socket(server.socket, server_side=True)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, certificate, directory.appendingPathComponent("key.pem").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        server = process
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TLSTestSetupError(message: "python3 HTTPS server exited before listening") }
            line.append(chunk)
        }
        port = try XCTUnwrap(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private func run(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSTestSetupError(message: "\(arguments[0]) failed (\(process.terminationStatus)); cannot make a test certificate")
        }
    }
}

/// The test's own setup (certificate, server) failed: a failure, not a skip.
struct TLSTestSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
