import Foundation
import Logging
import PlumbController
import PlumbControllerServer
import PlumbHTTPClient
import PlumbModel
import PlumbPostgres
import PlumbTestSupport
import Metrics
import Prometheus
import ServiceLifecycle
import XCTest

/// Base of the HTTP tests: a fresh, migrated database on the test cluster and a controller server
/// running in this process on `127.0.0.1:0`, driven with the libcurl ``ControllerClient``.
class ServerTestCase: XCTestCase {
    static let adminToken = "admin-token-for-tests"
    static let cogsToken = "cogs-token-for-tests"

    var pool: PostgresPool!
    var store: ControllerStore!
    var server: RunningServer!

    override func setUp() async throws {
        try await super.setUp()
        let databaseURL = try TestPostgres.shared.makeDatabase()
        var logger = Logger(label: "test.store")
        logger.logLevel = .warning
        pool = PostgresPool(configuration: PostgresConfiguration(url: databaseURL, size: 8), logger: logger)
        store = ControllerStore(pool: pool, configuration: ControllerConfiguration(unresponsiveAfter: 3600), logger: logger)
        try await store.migrate()
        server = try await RunningServer.start(store: store)
    }

    override func tearDown() async throws {
        await server?.stop()
        await pool?.shutdown()
        server = nil
        store = nil
        pool = nil
        try await super.tearDown()
    }

    /// A client of `server` (default: the test's server) with `token`.
    func client(_ token: String?, server: RunningServer? = nil, totalTimeout: Duration = .seconds(30)) -> ControllerClient {
        ControllerClient(baseURL: (server ?? self.server).baseURL,
                         configuration: HTTPClientConfiguration(totalTimeout: totalTimeout, bearerToken: token))
    }

    var admin: ControllerClient { client(Self.adminToken) }
    var cogs: ControllerClient { client(Self.cogsToken) }

    /// Sends a raw request to the test's server (for what the typed client cannot send: bad JSON, odd paths).
    func raw(_ method: String, _ path: String, token: String? = ServerTestCase.adminToken, body: Data? = nil,
             headers: [String: String] = [:]) throws -> HTTPResponse {
        let http = HTTPClient(configuration: HTTPClientConfiguration(bearerToken: token))
        return try http.send(method: method, url: server.baseURL + path, headers: headers, body: body)
    }

    /// The API error `body` throws, failing the test if it throws nothing or something else.
    func apiError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> APIError? {
        do {
            try body()
            XCTFail("expected an API error", file: file, line: line)
        } catch let error as APIError {
            return error
        } catch {
            XCTFail("expected an API error, got \(error)", file: file, line: line)
        }
        return nil
    }

    /// Asserts `body` is answered with this status, code and field.
    func assertAPIError(_ status: Int, _ code: String? = nil, field: String? = nil, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> Void) {
        guard let error = apiError(body, file: file, line: line) else { return }
        XCTAssertEqual(error.status, status, "\(error)", file: file, line: line)
        if let code { XCTAssertEqual(error.code, code, "\(error)", file: file, line: line) }
        if let field { XCTAssertEqual(error.field, field, "\(error)", file: file, line: line) }
    }

    /// Everything a refused request could have left behind, to compare before and after.
    func databaseSnapshot() async throws -> [String] {
        try await pool.withConnection { connection in
            try connection.query("""
                SELECT format('%s %s %s %s', kind, value, scope, state) AS line FROM plumb.current_allocations
                UNION ALL SELECT format('history %s', count(*)) FROM plumb.allocation_history
                UNION ALL SELECT format('materializations %s', count(*)) FROM plumb.materializations
                UNION ALL SELECT format('host %s %s %s %s %s', kind, name, generation, last_seen IS NOT NULL, md5(token_hash)) FROM plumb.hosts
                UNION ALL SELECT format('facility %s', md5(document::text)) FROM plumb.facility
                ORDER BY 1
                """).rows.map { try $0.string("line") }
        }
    }
}

/// A ``ControllerServer`` running in this process until ``stop()``.
final class RunningServer: @unchecked Sendable {
    let baseURL: String
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    private init(baseURL: String, group: ServiceGroup, task: Task<Void, Error>) {
        self.baseURL = baseURL
        self.group = group
        self.task = task
    }

    /// Starts a server on `127.0.0.1:0` and waits (bounded) until it listens.
    static func start(store: ControllerStore,
                      configuration: ControllerServerConfiguration = ControllerServerConfiguration(
                          host: "127.0.0.1", port: 0, adminToken: ServerTestCase.adminToken, cogsToken: ServerTestCase.cogsToken),
                      logLevel: Logger.Level = .warning) async throws -> RunningServer {
        var logger = Logger(label: "test.server")
        logger.logLevel = logLevel
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = ControllerServer(store: store, configuration: configuration,
                                      metrics: ControllerMetrics(registry: TestMetrics.registry), logger: logger) { _, port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        let timeout = Task {
            try await Task.sleep(for: .seconds(30))
            continuation.finish()
        }
        defer { timeout.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            await group.triggerGracefulShutdown()
            let outcome = await task.result
            throw RunningServerError(description: "the server did not listen within 30 s: \(outcome)")
        }
        return RunningServer(baseURL: "http://127.0.0.1:\(port)", group: group, task: task)
    }

    /// Shuts down gracefully and waits for the server to end.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

struct RunningServerError: Error, CustomStringConvertible {
    var description: String
}

/// A small testbed: leaf0 with hv0 (one NIC with 4 VFs, one passthrough NIC) and hv1, VNIs 5000–5009.
enum TestFacility {
    static func facility() -> Facility {
        Facility(
            vniRanges: [Facility.NumberRange(first: 5000, last: 5009)],
            leaves: [Facility.Leaf(name: "leaf0", vtepIp: IPv4Address("198.19.0.1")!,
                                   vlanRange: Facility.NumberRange(first: 200, last: 209))],
            hypervisors: [
                Facility.Hypervisor(
                    name: "hv0", vtepIp: IPv4Address("198.19.1.1")!, leaf: "leaf0", underlayNic: "eth0",
                    nics: [
                        Facility.NIC(name: "eth0", pciAddress: PCIAddress("0000:01:00.0")!, leafPort: "swp1", vfLimit: 4),
                        Facility.NIC(name: "eth1", pciAddress: PCIAddress("0000:01:00.1")!, leafPort: "swp2", passthrough: true),
                    ]),
                Facility.Hypervisor(name: "hv1", vtepIp: IPv4Address("198.19.1.2")!, leaf: "leaf0"),
            ])
    }

    /// One network, one VM on `hypervisor` with one NIC per mechanism.
    static func spec(_ mechanisms: [Mechanism] = [.virtio], hypervisor: String = "hv0") -> MaterializationSpec {
        MaterializationSpec(networks: [MaterializationSpec.Network(name: "net")],
                            vms: [MaterializationSpec.VM(name: "vm", hypervisor: hypervisor,
                                                         nics: mechanisms.map { MaterializationSpec.NIC(network: "net", mechanism: $0) })])
    }
}

/// The Prometheus registry this test process bootstraps swift-metrics with, once, as the controller does:
/// Hummingbird's request metrics of every in-process server land there (counts add up across tests).
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ControllerMetrics.factory(registry: registry))
        return registry
    }()
}
