import Foundation
import PlumbHTTPClient
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// ``HTTPClient`` against real loopback sockets: what goes on the wire, what comes back, and the
/// transport failures (refused, timed out, cancelled) that are errors rather than responses.
final class HTTPClientTests: XCTestCase {
    func testPutSendsMethodHeadersAndBodyAndReadsTheResponse() throws {
        let server = try HTTPClientTestServer { _ in
            .response(status: 201, headers: [("X-Plumb-Test", "yes"), ("Content-Type", "application/json")],
                      body: Data(#"{"ok":true}"#.utf8))
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(bearerToken: "secret-token"))
        let payload = Data(#"{"applied_generation":7}"#.utf8)

        let response = try client.send(method: "PUT", url: server.baseURL + "/v1/hosts/hv1/status",
                                       headers: ["X-Request-Id": "abc"], body: payload)

        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(response.header("x-plumb-test"), "yes")
        XCTAssertEqual(response.body, Data(#"{"ok":true}"#.utf8))
        let request = try XCTUnwrap(server.recordedRequests.first)
        XCTAssertEqual(request.method, "PUT")
        XCTAssertEqual(request.target, "/v1/hosts/hv1/status")
        XCTAssertEqual(request.header("Authorization"), "Bearer secret-token")
        XCTAssertEqual(request.header("Content-Type"), "application/json")
        XCTAssertEqual(request.header("X-Request-Id"), "abc")
        XCTAssertNil(request.header("Expect"))
        XCTAssertEqual(request.body, payload)
    }

    func testErrorStatusIsAResponseNotAnError() throws {
        let server = try HTTPClientTestServer { _ in .response(status: 503, headers: [], body: Data("down".utf8)) }
        defer { server.stop() }
        let response = try HTTPClient().send(method: "GET", url: server.baseURL + "/healthz")
        XCTAssertEqual(response.status, 503)
        XCTAssertFalse(response.isSuccess)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "down")
    }

    func testRequestsReuseOneConnectionAndDoNotLeakBodiesOrMethods() throws {
        let server = try HTTPClientTestServer { request in
            .response(status: 200, headers: [], body: Data("\(request.method) \(request.target)".utf8))
        }
        defer { server.stop() }
        let client = HTTPClient()

        let put = try client.send(method: "PUT", url: server.baseURL + "/a", body: Data("x".utf8))
        let get = try client.send(method: "GET", url: server.baseURL + "/b")
        let post = try client.send(method: "POST", url: server.baseURL + "/c")
        let delete = try client.send(method: "DELETE", url: server.baseURL + "/d")

        XCTAssertEqual([put, get, post, delete].map { String(decoding: $0.body, as: UTF8.self) },
                       ["PUT /a", "GET /b", "POST /c", "DELETE /d"])
        let requests = server.recordedRequests
        XCTAssertEqual(requests.map(\.body), [Data("x".utf8), Data(), Data(), Data()])
        XCTAssertNil(requests[1].header("Content-Length"), "a GET after a PUT must not carry the PUT's body")
        XCTAssertEqual(requests[2].header("Content-Length"), "0")
        XCTAssertEqual(server.acceptedConnections, 1)
    }

    func testConnectionRefusedIsATransportError() throws {
        // A port that was just free: bind, read the port, close, then connect to it.
        let (socketFD, port) = try HTTPClientTestServer.listen()
        close(socketFD)
        XCTAssertThrowsError(try HTTPClient().send(method: "GET", url: "http://127.0.0.1:\(port)/healthz")) { error in
            let failure = error as? HTTPClientError
            XCTAssertEqual(failure?.isConnectionRefused, true, "\(error)")
            XCTAssertEqual(failure?.url, "http://127.0.0.1:\(port)/healthz")
        }
    }

    func testTotalTimeoutEndsARequestThatIsNeverAnswered() throws {
        // The socket listens (the kernel completes the handshake) but nothing ever answers.
        let (socketFD, port) = try HTTPClientTestServer.listen()
        defer { close(socketFD) }
        let client = HTTPClient(configuration: .init(totalTimeout: .seconds(30)))
        XCTAssertThrowsError(try client.send(method: "GET", url: "http://127.0.0.1:\(port)/", timeout: .milliseconds(300))) { error in
            XCTAssertEqual((error as? HTTPClientError)?.isTimeout, true, "\(error)")
        }
    }

    func testCancelStopsARequestInFlightAndEveryLaterOne() throws {
        let server = try HTTPClientTestServer { _ in .silence }
        defer { server.stop() }
        let client = HTTPClient(configuration: .init(totalTimeout: .seconds(600)))
        Thread.detachNewThread {
            server.waitForRequests(1)
            client.cancel()
        }
        XCTAssertThrowsError(try client.send(method: "GET", url: server.baseURL + "/v1/hosts/hv1/desired?wait=600")) { error in
            XCTAssertEqual((error as? HTTPClientError)?.isCancelled, true, "\(error)")
        }
        XCTAssertThrowsError(try client.send(method: "GET", url: server.baseURL + "/healthz")) { error in
            XCTAssertEqual((error as? HTTPClientError)?.isCancelled, true, "\(error)")
        }
        XCTAssertEqual(server.recordedRequests.count, 1)
    }
}
