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

    private let child: LoggedProcess

    /// Starts `plumb-agent ARGUMENTS...` in `namespace`.
    init(namespace: NetworkNamespace, arguments: [String]) throws {
        child = try LoggedProcess(executable: "/usr/bin/env",
                                  arguments: ["ip", "netns", "exec", namespace.name, Self.executable] + arguments)
    }

    deinit {
        if child.process.isRunning {
            child.process.terminate()
            child.process.waitUntilExit()
        }
    }

    /// Everything the agent has logged so far.
    var logText: String { child.logText }

    /// Blocks until the agent has logged `text` (true), or has closed its standard error or let `limit` pass
    /// without it (false). The limit only keeps a broken agent from hanging the test run.
    @discardableResult
    func waitForLog(containing text: String, limit: TimeInterval = 120) -> Bool {
        child.waitForLog(containing: text, limit: limit)
    }

    var isRunning: Bool { child.process.isRunning }

    /// Sends SIGTERM and returns the exit status.
    func terminate() -> Int32 {
        child.process.terminate()
        return waitUntilExit()
    }

    func waitUntilExit() -> Int32 {
        child.process.waitUntilExit()
        return child.process.terminationStatus
    }
}
