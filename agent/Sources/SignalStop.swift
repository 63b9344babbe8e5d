import Dispatch
import Logging
import PlumbAgentKit
import Glibc

/// Calls a handler (once) when any of the given signals arrives, on a queue of its own, so the
/// main thread can stay blocked in the poll loop.
final class SignalStop {
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "plumb.agent.signals")
        for number in signals {
            // The default action would kill the process; the dispatch source sees the signal instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops watching; the signals get their default action back.
    func cancel() {
        for source in sources {
            source.cancel()
            signal(Int32(source.handle), SIG_DFL)
        }
        sources = []
    }
}

extension SignalStop {
    /// Runs an agent's loop until SIGTERM or SIGINT stops it (leaving the plumbing in place); a refused token ends it
    /// with exit code 77. `plumb-agent run` and `plumb-agent leaf run` share it.
    static func runUntilStopped<Document>(_ runner: DesiredStateRunner<Document>, logger: Logger) throws {
        let signals = SignalStop(signals: [SIGTERM, SIGINT]) { number in
            logger.notice("stopping on signal", metadata: ["signal": "\(number)"])
            runner.stop()
        }
        defer { signals.cancel() }
        do {
            try runner.run()
        } catch let error as AgentRunnerError {
            throw AgentExit(code: .permission, message: error.message)
        }
    }
}
