import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The database a process works on, as a service: a given URL, or an ``EmbeddedPostgres`` cluster it
/// starts when the service runs and stops at graceful shutdown or cancellation.
///
/// Services that need the database await ``url()``, which answers once the cluster accepts connections
/// (or throws why it could not start). Starting inside the service group means that a signal arriving
/// while a cluster is being created is handled by the group like any other: the cluster finishes
/// starting, nothing is served, and it is stopped.
public struct DatabaseService: Service {
    /// Where the database comes from.
    public enum Source: Sendable {
        /// A database someone else runs.
        case external(url: String)
        /// A private cluster this process starts and stops.
        case embedded(EmbeddedPostgres)
    }

    public let source: Source
    private let started: EventLoopPromise<String>
    private let logger: Logger

    public init(_ source: Source, logger: Logger) {
        self.source = source
        self.logger = logger
        started = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: String.self)
    }

    /// The database's libpq URL, known before it runs (for a pool that connects lazily).
    public var plannedURL: String {
        switch source {
        case .external(let url): return url
        case .embedded(let cluster): return cluster.url(database: cluster.databaseName)
        }
    }

    /// The libpq URL once the database accepts connections; throws the reason it could not start.
    public func url() async throws -> String {
        try await started.futureResult.get()
    }

    public func run() async throws {
        guard case .embedded(let cluster) = source else {
            started.succeed(plannedURL)
            // A service that returns ends its group: stay until the group shuts down.
            try? await gracefulShutdown()
            return
        }
        do {
            // initdb and pg_ctl block: on NIO's thread pool, never the concurrency pool.
            let url = try await NIOThreadPool.singleton.runIfActive { try cluster.start() }
            started.succeed(url)
            logger.notice("embedded PostgreSQL running", metadata: ["directory": "\(cluster.directory.path)"])
        } catch {
            started.fail(error)
            cluster.stopIfRunning()
            throw error
        }
        try? await gracefulShutdown()
        cluster.stop()
    }
}
