import Foundation
import Logging

/// A private PostgreSQL cluster in a directory of its own, run with the installed server binaries.
///
/// The server listens only on a Unix socket inside the directory, so several clusters (a controller's,
/// a test run's) never collide on a port. PostgreSQL refuses to run as root: when this process is
/// root, the cluster belongs to and runs as the `postgres` user (through `runuser`).
public final class EmbeddedPostgres: @unchecked Sendable {
    /// The cluster's directory: `data/` (the cluster), `run/` (the socket), `server.log`.
    public let directory: URL
    /// Where `initdb` and `pg_ctl` live.
    public let binDirectory: URL
    /// Server settings added to the command line (`name` → `value`).
    public let settings: [String: String]
    private let logger: Logger

    /// The database ``start()`` creates and answers a URL for.
    public let databaseName: String

    /// The PostgreSQL 15 binaries of Debian 12.
    public static let defaultBinDirectory = URL(fileURLWithPath: "/usr/lib/postgresql/15/bin")

    public init(directory: URL, binDirectory: URL = EmbeddedPostgres.defaultBinDirectory,
                databaseName: String = "plumb", settings: [String: String] = [:], logger: Logger) {
        self.directory = directory
        self.binDirectory = binDirectory
        self.databaseName = databaseName
        self.settings = settings
        self.logger = logger
    }

    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var socketDirectory: URL { directory.appendingPathComponent("run") }
    var logFile: URL { directory.appendingPathComponent("server.log") }

    /// The libpq URL of `database` on this cluster (as the `plumb` superuser).
    public func url(database: String) -> String {
        "postgresql:///\(database)?host=\(socketDirectory.path)&user=plumb"
    }

    /// Creates the cluster if the directory has none, starts the server, creates ``databaseName`` if
    /// missing and answers its URL.
    public func start() throws -> String {
        let manager = FileManager.default
        for binary in ["initdb", "pg_ctl"] where !manager.isExecutableFile(atPath: binDirectory.appendingPathComponent(binary).path) {
            throw EmbeddedPostgresError("\(binDirectory.appendingPathComponent(binary).path) not found: install PostgreSQL 15 (apt install postgresql-15) or give a database URL")
        }
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try manager.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        let owner = try ServerOwner.current()
        try owner.own([directory, socketDirectory])
        if owner.isOther {
            try owner.checkTraversable(directory)
        }
        if !manager.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
            logger.info("creating PostgreSQL cluster", metadata: ["directory": "\(dataDirectory.path)"])
            try run(owner, "initdb", ["-D", dataDirectory.path, "-U", "plumb", "--auth=trust", "-E", "UTF8",
                                      "--locale=C", "--no-instructions"])
        }
        var options = ["-k", socketDirectory.path, "-c", "listen_addresses=", "-c", "unix_socket_permissions=0700"]
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            options += ["-c", "\(name)=\(value)"]
        }
        logger.info("starting PostgreSQL", metadata: ["directory": "\(dataDirectory.path)"])
        try run(owner, "pg_ctl", ["start", "-w", "-t", "60", "-D", dataDirectory.path, "-l", logFile.path,
                                  "-o", options.map(Self.quoted).joined(separator: " ")])
        let admin = try PostgresConnection(url: url(database: "postgres"), logger: logger)
        let exists = try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]).rows.isEmpty == false
        if !exists {
            try admin.execute("CREATE DATABASE \"\(databaseName)\"")
        }
        return url(database: databaseName)
    }

    /// Stops the server (fast shutdown: open connections are closed, nothing committed is lost).
    public func stop() {
        guard let owner = try? ServerOwner.current() else { return }
        do {
            try run(owner, "pg_ctl", ["stop", "-w", "-m", "fast", "-D", dataDirectory.path])
            logger.info("stopped PostgreSQL", metadata: ["directory": "\(dataDirectory.path)"])
        } catch {
            logger.warning("could not stop PostgreSQL", metadata: ["error": "\(error)"])
        }
    }

    /// Stops the server if a start left one running (a start that failed after the server came up).
    public func stopIfRunning() {
        if FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("postmaster.pid").path) {
            stop()
        }
    }

    /// Restarts the server in place (used to prove that clients reconnect by themselves).
    public func restart() throws {
        let owner = try ServerOwner.current()
        try run(owner, "pg_ctl", ["restart", "-w", "-t", "60", "-m", "fast", "-D", dataDirectory.path])
    }

    private func run(_ owner: ServerOwner, _ binary: String, _ arguments: [String]) throws {
        let path = binDirectory.appendingPathComponent(binary).path
        let command = owner.isOther
            ? ServerCommand(executable: "/usr/sbin/runuser", arguments: ["-u", owner.name, "--", path] + arguments,
                            workingDirectory: directory.path)
            : ServerCommand(executable: path, arguments: arguments, workingDirectory: directory.path)
        let outcome = try command.run()
        guard outcome.status == 0 else {
            var message = "\(binary) \(arguments.first ?? "") failed (exit \(outcome.status)): "
                + outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
            if let log = try? String(contentsOf: logFile, encoding: .utf8) {
                message += "\n" + log.split(separator: "\n").suffix(5).joined(separator: "\n")
            }
            throw EmbeddedPostgresError(message)
        }
    }

    private static func quoted(_ argument: String) -> String {
        argument.isEmpty ? "''" : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Why the embedded cluster could not be created or started.
public struct EmbeddedPostgresError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
