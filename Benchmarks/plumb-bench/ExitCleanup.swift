import Dispatch
import Foundation

/// Undo actions (stop a cluster, delete a namespace, remove a directory) run when the benchmark ends, including on
/// SIGINT/SIGTERM, so an interrupted benchmark leaves nothing behind. Run in reverse order of registration.
final class ExitCleanup: @unchecked Sendable {
    static let shared = ExitCleanup()

    private let lock = NSLock()
    private var actions: [(id: Int, action: () -> Void)] = []
    private var counter = 0
    private var sources: [DispatchSourceSignal] = []

    private init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("plumb-bench: interrupted, cleaning up\n".utf8))
                ExitCleanup.shared.runAll()
                exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Registers `action`; returns a token for ``run(_:)``.
    @discardableResult
    func register(_ action: @escaping () -> Void) -> Int {
        lock.withLock {
            counter += 1
            actions.append((counter, action))
            return counter
        }
    }

    /// Runs one registered action now (and forgets it).
    func run(_ token: Int) {
        let action: (() -> Void)? = lock.withLock {
            guard let position = actions.firstIndex(where: { $0.id == token }) else { return nil }
            return actions.remove(at: position).action
        }
        action?()
    }

    /// Runs every registered action, newest first.
    func runAll() {
        let pending: [() -> Void] = lock.withLock {
            defer { actions.removeAll() }
            return actions.reversed().map(\.action)
        }
        pending.forEach { $0() }
    }
}
