import Foundation
import PlumbTestSupport

/// A real `plumb-agent` process started inside a test's network namespace (`ip netns exec`, which also
/// gives it that namespace's view of sysfs), with its standard error collected for the test to wait on.
final class AgentProcess: @unchecked Sendable {
    /// The package's `.build/debug/plumb-agent` (built by `swift build --build-tests`).
    static var executable: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/plumb-agent").path
    }

    private let process = Process()
    private let condition = NSCondition()
    private var log = ""
    private var logClosed = false

    /// Starts `plumb-agent ARGUMENTS...` in `namespace`.
    init(namespace: NetworkNamespace, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace.name, Self.executable] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.detachNewThread { [self] in
            let handle = errors.fileHandleForReading
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty {
                    logClosed = true
                } else {
                    log += String(decoding: chunk, as: UTF8.self)
                }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { return }
            }
        }
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Everything the agent has logged so far.
    var logText: String {
        condition.lock()
        defer { condition.unlock() }
        return log
    }

    /// Blocks until the agent has logged `text` (true), or has closed its standard error or let `limit` pass
    /// without it (false). The limit only keeps a broken agent from hanging the test run.
    @discardableResult
    func waitForLog(containing text: String, limit: TimeInterval = 120) -> Bool {
        let deadline = Date(timeIntervalSinceNow: limit)
        condition.lock()
        defer { condition.unlock() }
        while !log.contains(text) {
            if logClosed || !condition.wait(until: deadline) { return log.contains(text) }
        }
        return true
    }

    var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM and returns the exit status.
    func terminate() -> Int32 {
        process.terminate()
        return waitUntilExit()
    }

    func waitUntilExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }
}
