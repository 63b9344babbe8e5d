import Foundation
import Logging
import PlumbController
import PlumbControllerServer
import PlumbHTTPClient
import PlumbModel
import PlumbPostgres
import XCTest

/// With its database unreachable the server still answers, in JSON: `/healthz` 503 within its
/// timeout, API calls 503 `database_unavailable` (never a 500, never a hang).
final class DatabaseDownTests: XCTestCase {
    func testUnreachableDatabaseIs503() async throws {
        let unreachable = "postgresql:///plumb?host=/nonexistent-plumb-socket-dir&connect_timeout=1"
        var logger = Logger(label: "test.database-down")
        logger.logLevel = .critical
        let pool = PostgresPool(configuration: PostgresConfiguration(url: unreachable, size: 2, reconnectDeadline: 1), logger: logger)
        let store = ControllerStore(pool: pool, configuration: ControllerConfiguration(), logger: logger)
        let server = try await RunningServer.start(
            store: store,
            configuration: ControllerServerConfiguration(host: "127.0.0.1", port: 0, adminToken: ServerTestCase.adminToken,
                                                         cogsToken: ServerTestCase.cogsToken, healthTimeout: .seconds(1)),
            logLevel: .critical)
        let http = HTTPClient(configuration: HTTPClientConfiguration(totalTimeout: .seconds(30), bearerToken: ServerTestCase.cogsToken))
        let health = try http.send(method: "GET", url: server.baseURL + "/healthz")
        let list = try http.send(method: "GET", url: server.baseURL + "/v1/materializations")
        let unknownToken = try HTTPClient(configuration: HTTPClientConfiguration(bearerToken: "some-host-token"))
            .send(method: "GET", url: server.baseURL + "/v1/hosts/hv0/desired")
        await server.stop()
        await pool.shutdown()

        for (name, response) in [("healthz", health), ("list", list), ("host token lookup", unknownToken)] {
            XCTAssertEqual(response.status, 503, name)
            let error = try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error
            XCTAssertEqual(error.code, "database_unavailable", name)
        }
    }
}
