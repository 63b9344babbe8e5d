import Foundation
import Hummingbird
import Logging
@testable import PlumbControllerServer
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport
import ServiceLifecycle
import XCTest

/// What a handler throws becomes the JSON envelope: a bug is a 500 whose message carries the request
/// id under which it was logged (never the error's own text).
final class ErrorEnvelopeTests: XCTestCase {
    private struct Bug: Error, CustomStringConvertible {
        var description: String { "secret internal detail" }
    }

    func testAnUnexpectedErrorIs500WithTheRequestIDItWasLoggedUnder() async throws {
        let records = LogRecords()
        let logger = Logger(label: "test.errors") { _ in records }
        let router = Router()
        router.add(middleware: ErrorEnvelopeMiddleware(routes: []))
        router.get("/bug") { _, _ -> Response in throw Bug() }
        router.get("/refused") { _, _ -> Response in throw APIError.invalid("thing", "is wrong") }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { continuation.yield($0.localAddress?.port ?? 0); continuation.finish() },
                                      logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        let running = Task { try await group.run() }
        let timeout = Task { try await Task.sleep(for: .seconds(30)); continuation.finish() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next()
        timeout.cancel()
        defer { Task { await group.triggerGracefulShutdown() } }
        let base = "http://127.0.0.1:\(try XCTUnwrap(port))"

        let http = HTTPClient()
        let bug = try http.send(method: "GET", url: base + "/bug")
        let refused = try http.send(method: "GET", url: base + "/refused")
        await group.triggerGracefulShutdown()
        _ = await running.result

        XCTAssertEqual(bug.status, 500)
        let error = try PlumbJSON.decode(APIError.Envelope.self, from: bug.body).error
        XCTAssertEqual(error.code, "internal")
        XCTAssertFalse(error.message.contains("secret"), "the error's text stays in the log")
        let logged = try XCTUnwrap(records.all.first { $0.message == "unexpected error" })
        let requestID = try XCTUnwrap(logged.metadata["hb.request.id"]?.description)
        XCTAssertTrue(error.message.contains(requestID), "\(error.message) names \(requestID)")
        XCTAssertTrue(logged.metadata["error"]?.description.contains("secret internal detail") == true)

        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: refused.body).error,
                       APIError(status: 0, code: "invalid_field", message: "is wrong", field: "thing"))
    }
}
