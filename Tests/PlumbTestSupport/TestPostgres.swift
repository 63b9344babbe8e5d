import Foundation
import Logging
import PlumbPostgres

/// The test run's private PostgreSQL cluster: started on first use in a temporary directory,
/// stopped and removed when the test process exits. Each test asks for a database of its own.
public final class TestPostgres: @unchecked Sendable {
    /// The cluster of this test process.
    public static let shared = TestPostgres()

    private let lock = NSLock()
    private var server: EmbeddedPostgres?
    private var counter = 0

    private init() {}

    /// The cluster, started if this is the first call.
    public func cluster() throws -> EmbeddedPostgres {
        try lock.withLock {
            if let server { return server }
            Self.removeAbandonedClusters()
            let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("\(Self.prefix)\(getpid())")
            try? FileManager.default.removeItem(at: directory)
            // Speed over durability: a test cluster is thrown away.
            let server = EmbeddedPostgres(directory: directory, databaseName: "postgres",
                                          settings: ["fsync": "off", "synchronous_commit": "off",
                                                     "full_page_writes": "off", "max_connections": "300"],
                                          logger: Logger(label: "test.postgres"))
            _ = try server.start()
            self.server = server
            atexit { TestPostgres.shared.shutdown() }
            return server
        }
    }

    /// A new, empty database on the test cluster; answers its libpq URL.
    public func makeDatabase() throws -> String {
        let server = try cluster()
        let name: String = lock.withLock {
            counter += 1
            return "test_\(counter)"
        }
        let admin = try PostgresConnection(url: server.url(database: "postgres"), logger: Logger(label: "test.postgres"))
        try admin.execute("CREATE DATABASE \(name) TEMPLATE template0")
        return server.url(database: name)
    }

    private static let prefix = "plumb-test-pg-"

    /// Stops and removes the clusters of earlier test processes that were killed before they could
    /// stop their own (their directory names a process that no longer exists).
    private static func removeAbandonedClusters() {
        let tmp = URL(fileURLWithPath: "/tmp")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let directory = tmp.appendingPathComponent(name)
            EmbeddedPostgres(directory: directory, logger: Logger(label: "test.postgres")).stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    private func shutdown() {
        guard let server = lock.withLock({ self.server }) else { return }
        server.stop()
        try? FileManager.default.removeItem(at: server.directory)
    }
}
