import Foundation
import Logging
import PlumbHTTPClient
import PlumbModel
import PlumbPostgres

/// A real `plumb-controller` process for tests, benchmarks and end-to-end runs.
///
/// It listens on `127.0.0.1:0` unless told otherwise (the kernel picks the port; the process logs
/// `listening address=HOST:PORT`), keeps its token files in a temporary directory of its own (the controller creates them), and runs on
/// the database it is given, or, with `databaseURL: nil`, on its embedded PostgreSQL cluster in that
/// temporary directory. Everything it started is stopped and removed by ``stop(limit:)`` or deinit.
///
/// ```swift
/// let controller = try ControllerProcess(databaseURL: try TestPostgres.shared.makeDatabase())
/// defer { controller.stop() }
/// let admin = controller.client(token: controller.adminToken)
/// try admin.putFacility(facility)
/// ```
public final class ControllerProcess: @unchecked Sendable {
    /// The built `plumb-controller`: next to the running test bundle (`.build/<triple>/debug/`),
    /// or `PLUMB_CONTROLLER_BINARY` when set.
    public static var executable: String {
        if let path = ProcessInfo.processInfo.environment["PLUMB_CONTROLLER_BINARY"], !path.isEmpty { return path }
        let running = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = running.deletingLastPathComponent()
        // A test bundle may be a directory (`X.xctest/...`); climb to the build directory that holds it.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("plumb-controller")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/plumb-controller").path
    }

    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    /// The port the controller bound.
    public let port: Int
    /// The admin bearer token (read from the file the controller created).
    public let adminToken: String
    /// The Cogs bearer token.
    public let cogsToken: String
    /// The temporary directory: token files, and the embedded cluster when no database URL was given.
    public let dataDirectory: URL
    /// The database URL given, or nil when the controller runs its embedded cluster.
    public let databaseURL: String?

    private let child: LoggedProcess

    /// Starts the controller and waits (at most `startLimit` seconds) until it listens.
    ///
    /// - Parameters:
    ///   - databaseURL: a database (e.g. `TestPostgres.shared.makeDatabase()`), or nil for the embedded default.
    ///   - listen: `HOST:PORT` to listen on (port 0: the kernel picks one; ``baseURL`` tells which).
    ///   - arguments: extra command-line arguments (e.g. `["--unresponsive-after", "5"]`).
    ///   - environment: extra environment variables for the process.
    ///   - startLimit: how long to wait for the `listening` line before giving up (and killing it).
    /// - Throws: ``ControllerProcessError`` with the process's log when it exits or does not listen in time.
    public init(databaseURL: String?, listen: String = "127.0.0.1:0", arguments: [String] = [],
                environment: [String: String] = [:], startLimit: TimeInterval = 120) throws {
        self.databaseURL = databaseURL
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-controller-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        var commandLine = ["--listen", listen, "--data-dir", dataDirectory.path,
                           "--admin-token-file", dataDirectory.appendingPathComponent("admin.token").path,
                           "--cogs-token-file", dataDirectory.appendingPathComponent("cogs.token").path]
        if let databaseURL { commandLine += ["--database-url", databaseURL] }
        var processEnvironment = ProcessInfo.processInfo.environment
        for key in processEnvironment.keys where key.hasPrefix("PLUMB_") { processEnvironment[key] = nil }
        processEnvironment.merge(environment) { $1 }
        do {
            child = try LoggedProcess(executable: Self.executable, arguments: commandLine + arguments, environment: processEnvironment)
        } catch {
            try? FileManager.default.removeItem(at: dataDirectory)
            throw ControllerProcessError(message: "cannot run \(Self.executable): \(error) (build it with `swift build --build-tests`)",
                                         log: "")
        }
        guard child.waitForLog(containing: "listening address=", limit: startLimit),
              let address = Self.listeningAddress(in: child.logText),
              let port = address.split(separator: ":").last.flatMap({ Int($0) }) else {
            let text = child.logText
            Self.abandon(child, dataDirectory: dataDirectory, embedded: databaseURL == nil)
            throw ControllerProcessError(message: "plumb-controller did not start listening within \(Int(startLimit)) s", log: text)
        }
        self.port = port
        baseURL = "http://\(address)"
        do {
            adminToken = try TokenFile.read(path: dataDirectory.appendingPathComponent("admin.token").path)
            cogsToken = try TokenFile.read(path: dataDirectory.appendingPathComponent("cogs.token").path)
        } catch {
            let text = child.logText
            Self.abandon(child, dataDirectory: dataDirectory, embedded: databaseURL == nil)
            throw ControllerProcessError(message: "plumb-controller's token files: \(error)", log: text)
        }
    }

    deinit {
        Self.abandon(child, dataDirectory: dataDirectory, embedded: databaseURL == nil)
    }

    /// Stops the process (SIGTERM, then SIGKILL), stops an embedded cluster it left running (after
    /// ``kill()`` or a crash) and removes the temporary directory.
    private static func abandon(_ child: LoggedProcess, dataDirectory: URL, embedded: Bool) {
        child.stop(limit: 30)
        let cluster = dataDirectory.appendingPathComponent("postgres")
        if embedded, FileManager.default.fileExists(atPath: cluster.appendingPathComponent("data/postmaster.pid").path) {
            EmbeddedPostgres(directory: cluster, logger: Logger(label: "test.controller-process")).stop()
        }
        try? FileManager.default.removeItem(at: dataDirectory)
    }

    /// The `HOST:PORT` of the first `listening address=HOST:PORT` line.
    static func listeningAddress(in log: String) -> String? {
        guard let range = log.range(of: "listening address=") else { return nil }
        let address = log[range.upperBound...].prefix { !$0.isWhitespace && $0 != "\"" }
        return address.isEmpty ? nil : String(address)
    }

    /// A client of this controller with `token` (nil: none) and the given total timeout per request.
    public func client(token: String?, totalTimeout: Duration = .seconds(30)) -> ControllerClient {
        ControllerClient(baseURL: baseURL,
                         configuration: HTTPClientConfiguration(totalTimeout: totalTimeout, bearerToken: token))
    }

    /// A client holding the admin token.
    public func adminClient() -> ControllerClient { client(token: adminToken) }

    /// A client holding the Cogs token.
    public func cogsClient() -> ControllerClient { client(token: cogsToken) }

    /// The process id.
    public var processIdentifier: Int32 { child.process.processIdentifier }

    /// True while the process runs.
    public var isRunning: Bool { child.process.isRunning }

    /// Everything the controller has logged so far (standard error).
    public var logText: String { child.logText }

    /// Blocks until the controller has logged `text` (true), or closed standard error or let `limit` pass without it (false).
    @discardableResult
    public func waitForLog(containing text: String, limit: TimeInterval = 60) -> Bool {
        child.waitForLog(containing: text, limit: limit)
    }

    /// Sends SIGTERM and waits at most `limit` seconds for the exit (SIGKILL after that); answers the
    /// exit status (128 + signal when killed by one). Calling it again answers the same status.
    @discardableResult
    public func stop(limit: TimeInterval = 30) -> Int32 {
        child.stop(limit: limit)
    }

    /// Sends SIGKILL and waits for the exit. The controller cleans nothing up: an embedded cluster stays
    /// up until this object goes away (deinit stops it).
    public func kill() {
        child.kill()
    }
}

/// The controller process did not come up.
public struct ControllerProcessError: Error, CustomStringConvertible {
    public var message: String
    /// What the process logged before it failed.
    public var log: String

    public var description: String { log.isEmpty ? message : "\(message)\n--- plumb-controller log ---\n\(log)" }
}
