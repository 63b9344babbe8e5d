import ArgumentParser
import Foundation
import Logging
import Metrics
import PlumbController
import PlumbControllerServer
import PlumbLogging
import PlumbPostgres
import Prometheus
import ServiceLifecycle

/// `plumb-controller`: serves the v1 API on PostgreSQL (a given database, or a private cluster in
/// the data directory), migrating the schema at start.
@main
struct PlumbControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plumb-controller",
        abstract: "The Plumb controller: global identifiers in PostgreSQL and the v1 HTTP API.",
        discussion: """
            Every option can also be set in the environment (a flag wins over its variable): \
            PLUMB_LISTEN, PLUMB_DATABASE_URL, PLUMB_DATA_DIR, PLUMB_ADMIN_TOKEN_FILE, PLUMB_COGS_TOKEN_FILE, \
            PLUMB_UNRESPONSIVE_AFTER, PLUMB_LOG_LEVEL, PLUMB_LOG_FORMAT.

            Without a database URL the controller runs its own PostgreSQL cluster in DATA_DIR/postgres \
            (PostgreSQL 15 server binaries must be installed) and stops it on exit.

            A token file that does not exist is created with a new random token (mode 0600), so that a \
            fresh machine works with nothing configured; plumbctl can read the same files.

            Roles: the admin token may call everything. The Cogs token may manage materializations and read \
            everything else; PUT /v1/facility, POST /v1/hosts/{name}/token and POST /v1/hosts/{name}/force-release \
            are admin-only. A host token (issued by POST /v1/hosts/{name}/token) may only read its own desired \
            state and report its own status.

            Exit status: 64 bad flags, 69 database unavailable, 71 cannot listen, 73 cannot create a token file, \
            78 unusable token file.
            """)

    @Option(help: "Address and port to listen on, HOST:PORT (port 0 picks a free one). [env: PLUMB_LISTEN] (default: 127.0.0.1:8470)")
    var listen: String?

    @Option(help: "libpq URL of the database; without one the embedded cluster is used. [env: PLUMB_DATABASE_URL]")
    var databaseURL: String?

    @Option(help: "Directory for the embedded cluster and the default token files. [env: PLUMB_DATA_DIR] (default: /var/lib/plumb)")
    var dataDir: String?

    @Option(help: "File holding the admin bearer token (created if absent). [env: PLUMB_ADMIN_TOKEN_FILE] (default: DATA_DIR/admin.token)")
    var adminTokenFile: String?

    @Option(help: "File holding the Cogs bearer token (created if absent). [env: PLUMB_COGS_TOKEN_FILE] (default: DATA_DIR/cogs.token)")
    var cogsTokenFile: String?

    @Option(help: "Seconds without contact after which a host counts as unresponsive. [env: PLUMB_UNRESPONSIVE_AFTER] (default: 60)")
    var unresponsiveAfter: Double?

    @Option(help: "Least severe log level: trace, debug, info, notice, warning, error, critical. [env: PLUMB_LOG_LEVEL] (default: info)")
    var logLevel: String?

    @Option(help: "Log lines as text or as one JSON object per line: text, json. [env: PLUMB_LOG_FORMAT] (default: text)")
    var logFormat: String?

    func run() async throws {
        MallocArenas.limitToOnePerCore(environment: ProcessInfo.processInfo.environment,
                                       cores: ProcessInfo.processInfo.activeProcessorCount)
        let settings = try ControllerSettings(command: self, environment: ProcessInfo.processInfo.environment)
        let logger = settings.bootstrapLogging()
        do {
            try await Self.serve(settings, logger: logger)
        } catch let failure as StartupFailure {
            logger.critical("\(failure.message)")
            throw ExitCode(failure.exitCode)
        }
    }

    /// Serves until SIGTERM/SIGINT in one service group: the database (the embedded cluster started and
    /// stopped by it), the connection pool, then the controller (migration, HTTP API, long polls). A signal
    /// shuts them down in reverse order; one that arrives while the cluster starts stops it once started.
    static func serve(_ settings: ControllerSettings, logger: Logger) async throws {
        let adminToken = try settings.token(at: settings.adminTokenFile, role: "admin", logger: logger)
        let cogsToken = try settings.token(at: settings.cogsTokenFile, role: "cogs", logger: logger)
        let database = settings.databaseService(logger: logger)
        let pool = PostgresPool(configuration: PostgresConfiguration(url: database.plannedURL, size: 8, reconnectDeadline: 10),
                                logger: logger)
        let store = ControllerStore(pool: pool, configuration: ControllerConfiguration(unresponsiveAfter: settings.unresponsiveAfter),
                                    logger: logger)
        let listening = ListeningFlag()
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(ControllerMetrics.factory(registry: registry))
        let server = ControllerServer(
            store: store,
            configuration: ControllerServerConfiguration(host: settings.listenHost, port: settings.listenPort,
                                                         adminToken: adminToken, cogsToken: cogsToken),
            metrics: ControllerMetrics(registry: registry), logger: logger) { host, port in
            listening.set()
            logger.notice("listening address=\(host.contains(":") ? "[\(host)]" : host):\(port)")
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: database), .init(service: pool),
                       .init(service: ControllerService(database: database, store: store, server: server,
                                                        listenAddress: "\(settings.listenHost):\(settings.listenPort)",
                                                        listening: listening, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.notice("stopped")
    }
}

/// A reason the controller cannot start, with its exit status (sysexits.h).
struct StartupFailure: Error {
    var message: String
    var exitCode: Int32

    init(_ message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }
}
