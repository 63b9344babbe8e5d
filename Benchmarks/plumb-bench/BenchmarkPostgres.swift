import Foundation
import Logging
import PlumbController
import PlumbPostgres

/// A private PostgreSQL cluster for one benchmark, in a temporary directory that is removed afterwards, and a
/// migrated controller store on it. Default server settings (durable commits), as a controller would run.
///
/// For profiling, `PLUMB_BENCH_PG_SETTINGS` adds server settings (`name=value;name=value`, e.g. auto_explain's) and
/// `PLUMB_BENCH_PG_LOG` names a file the server log is copied to before the cluster is removed.
final class BenchmarkPostgres {
    let server: EmbeddedPostgres
    let pool: PostgresPool
    let store: ControllerStore
    /// The libpq URL of the cluster.
    let url: String
    private let cleanup: Int

    /// Starts the cluster, creates the database, migrates it; `connections` is the pool size.
    static func start(connections: Int, logger: Logger) async throws -> BenchmarkPostgres {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-bench-pg-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        var settings = ["max_connections": "\(connections + 20)"]
        let environment = ProcessInfo.processInfo.environment
        for pair in environment["PLUMB_BENCH_PG_SETTINGS", default: ""].split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { settings[parts[0]] = parts[1] }
        }
        let server = EmbeddedPostgres(directory: directory, databaseName: "plumb", settings: settings, logger: logger)
        let logCopy = environment["PLUMB_BENCH_PG_LOG"]
        let token = ExitCleanup.shared.register {
            server.stop()
            if let logCopy {
                try? FileManager.default.removeItem(atPath: logCopy)
                try? FileManager.default.copyItem(at: directory.appendingPathComponent("server.log"), to: URL(fileURLWithPath: logCopy))
            }
            try? FileManager.default.removeItem(at: directory)
        }
        let url: String
        do {
            url = try server.start()
        } catch {
            ExitCleanup.shared.run(token)
            throw error
        }
        let pool = PostgresPool(configuration: PostgresConfiguration(url: url, size: connections), logger: logger)
        let store = ControllerStore(pool: pool, configuration: ControllerConfiguration(unresponsiveAfter: 3600), logger: logger)
        let database = BenchmarkPostgres(server: server, pool: pool, store: store, url: url, cleanup: token)
        try await store.migrate()
        return database
    }

    private init(server: EmbeddedPostgres, pool: PostgresPool, store: ControllerStore, url: String, cleanup: Int) {
        self.server = server
        self.pool = pool
        self.store = store
        self.url = url
        self.cleanup = cleanup
    }

    /// Closes the connections, stops the server and removes its directory.
    func stop() async {
        await pool.shutdown()
        ExitCleanup.shared.run(cleanup)
    }

    /// A second controller's store on the same cluster: a pool of its own (shut it down when done).
    func extraStore(connections: Int) -> (store: ControllerStore, pool: PostgresPool) {
        let logger = Logger(label: "plumb-bench.controller")
        let pool = PostgresPool(configuration: PostgresConfiguration(url: url, size: connections), logger: logger)
        return (ControllerStore(pool: pool, configuration: store.configuration, logger: logger), pool)
    }

    /// One integer column `value` of the first row of `sql`.
    func integer(_ sql: String, _ parameters: [PostgresBindable?] = []) async throws -> Int {
        try await pool.withConnection { try $0.query(sql, parameters).rows[0].int("value") }
    }
}
