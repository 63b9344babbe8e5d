import Foundation

/// A real `plumb-agent` process started inside a network namespace (`ip netns exec`, which also gives it
/// that namespace's view of sysfs), with its standard error collected for the test to wait on.
public final class AgentProcess: @unchecked Sendable {
    /// The package's `.build/debug/plumb-agent` (built by `swift build --build-tests`).
    public static var executable: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/plumb-agent").path
    }

    private let child: LoggedProcess

    /// Starts `plumb-agent ARGUMENTS...` in `namespace`.
    public convenience init(namespace: NetworkNamespace, arguments: [String]) throws {
        try self.init(namespaceName: namespace.name, arguments: arguments)
    }

    /// Starts `plumb-agent ARGUMENTS...` in the namespace named `namespaceName` (under `/run/netns`).
    public init(namespaceName: String, arguments: [String]) throws {
        child = try LoggedProcess(executable: "/usr/bin/env",
                                  arguments: ["ip", "netns", "exec", namespaceName, Self.executable] + arguments)
    }

    deinit {
        if child.process.isRunning { terminate() }
    }

    /// Everything the agent has logged so far.
    public var logText: String { child.logText }

    /// Blocks until the agent has logged `text` (true), or has closed its standard error or let `limit` pass
    /// without it (false). The limit only keeps a broken agent from hanging the test run.
    @discardableResult
    public func waitForLog(containing text: String, limit: TimeInterval = 120) -> Bool {
        child.waitForLog(containing: text, limit: limit)
    }

    public var isRunning: Bool { child.process.isRunning }

    /// Sends SIGTERM and returns the exit status; an agent that has not exited after 30 s is killed (SIGKILL),
    /// so a hung agent cannot hang the test run.
    @discardableResult
    public func terminate() -> Int32 {
        if child.process.isRunning {
            child.process.terminate()
            if !child.waitForExit(limit: 30) { child.kill() }
        }
        return waitUntilExit()
    }

    /// Sends SIGKILL (the agent gets no chance to finish what it is doing) and waits for the exit.
    public func kill() {
        child.kill()
    }

    @discardableResult
    public func waitUntilExit() -> Int32 {
        child.process.waitUntilExit()
        return child.process.terminationStatus
    }
}
