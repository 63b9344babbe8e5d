import ArgumentParser
import Foundation
import Logging
import PlumbLogging

/// The controller's settings: each flag, else its environment variable, else the default.
struct ControllerSettings {
    var listenHost: String
    var listenPort: Int
    var databaseURL: String?
    var dataDirectory: URL
    var adminTokenFile: String
    var cogsTokenFile: String
    var unresponsiveAfter: TimeInterval
    var logLevel: Logger.Level
    var logFormat: LogFormat

    /// Resolves every setting; a bad value is a `ValidationError` naming the flag (exit 64 with usage).
    init(command: PlumbControllerCommand, environment: [String: String]) throws {
        func value(_ flag: String?, _ variable: String) -> String? {
            if let flag { return flag }
            if let text = environment[variable], !text.isEmpty { return text }
            return nil
        }
        let listen = value(command.listen, "PLUMB_LISTEN") ?? "127.0.0.1:8470"
        (listenHost, listenPort) = try Self.hostAndPort(listen)
        databaseURL = value(command.databaseURL, "PLUMB_DATABASE_URL")
        let dataDir = value(command.dataDir, "PLUMB_DATA_DIR") ?? "/var/lib/plumb"
        dataDirectory = URL(fileURLWithPath: dataDir, isDirectory: true)
        adminTokenFile = value(command.adminTokenFile, "PLUMB_ADMIN_TOKEN_FILE") ?? dataDirectory.appendingPathComponent("admin.token").path
        cogsTokenFile = value(command.cogsTokenFile, "PLUMB_COGS_TOKEN_FILE") ?? dataDirectory.appendingPathComponent("cogs.token").path
        if command.unresponsiveAfter == nil, let text = environment["PLUMB_UNRESPONSIVE_AFTER"], !text.isEmpty {
            guard let seconds = Double(text) else {
                throw ValidationError("PLUMB_UNRESPONSIVE_AFTER must be a number of seconds, got '\(text)'")
            }
            unresponsiveAfter = seconds
        } else {
            unresponsiveAfter = command.unresponsiveAfter ?? 60
        }
        guard unresponsiveAfter > 0, unresponsiveAfter.isFinite else {
            throw ValidationError("--unresponsive-after must be a positive number of seconds, got \(unresponsiveAfter)")
        }
        let level = value(command.logLevel, "PLUMB_LOG_LEVEL") ?? "info"
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(level)'")
        }
        self.logLevel = logLevel
        let format = value(command.logFormat, "PLUMB_LOG_FORMAT") ?? "text"
        guard let logFormat = LogFormat(rawValue: format) else {
            throw ValidationError("--log-format must be text or json, got '\(format)'")
        }
        self.logFormat = logFormat
    }

    /// Splits `HOST:PORT` (`[v6]:PORT` for IPv6); the port is 0–65535.
    static func hostAndPort(_ text: String) throws -> (String, Int) {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ValidationError("--listen must be HOST:PORT, got '\(text)'") }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ValidationError("--listen must be HOST:PORT, got '\(text)'") }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ValidationError("--listen needs a host (e.g. 127.0.0.1:8470), got '\(text)'") }
        guard let number = Int(port), (0...65535).contains(number) else {
            throw ValidationError("--listen needs a port from 0 to 65535, got '\(port)'")
        }
        return (String(host), number)
    }

    /// Sends logs to standard error in the chosen format and level; returns the controller's logger.
    func bootstrapLogging() -> Logger {
        logFormat.bootstrap(level: logLevel)
        return Logger(label: "plumb.controller")
    }
}
