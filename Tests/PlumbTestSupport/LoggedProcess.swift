import Foundation

/// A child process whose standard error is collected, so a test can wait (bounded) for a log line.
public final class LoggedProcess: @unchecked Sendable {
    /// The process (for its id and state).
    public let process = Process()
    private let log: PipeText

    /// Starts `executable ARGUMENTS...` with `environment` (nil: this process's), standard output discarded.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        log = PipeText(errors)
    }

    /// Everything the process has written to standard error so far.
    public var logText: String { log.contents }

    /// Blocks until the process has logged `text` (true), or has closed standard error or let `limit` pass without it (false).
    public func waitForLog(containing text: String, limit: TimeInterval) -> Bool {
        log.wait(limit: limit) { $0.contains(text) }
    }

    /// Sends SIGTERM, waits at most `limit` seconds (then SIGKILL) and answers the exit status.
    @discardableResult
    public func stop(limit: TimeInterval) -> Int32 {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGTERM)
            if !waitForExit(limit: limit) {
                Foundation.kill(process.processIdentifier, SIGKILL)
                _ = waitForExit(limit: 30)
            }
        }
        return exitStatus
    }

    /// Sends SIGKILL and waits for the exit.
    public func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(limit: 30)
        }
    }

    /// Waits at most `limit` seconds for the process to exit; true when it has.
    public func waitForExit(limit: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: limit)
        while process.isRunning {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// The exit status once exited: the code, or 128 + signal; -1 while running.
    public var exitStatus: Int32 {
        guard !process.isRunning else { return -1 }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
