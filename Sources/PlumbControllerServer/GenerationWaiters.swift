import PlumbController

/// The long polls waiting for a host's generation to rise, woken by ``GenerationNotice``s.
///
/// A waiter is registered *before* the caller reads the current generation, so a rise that
/// commits between that read and the wait still wakes it. A wake-up only says "look again": the
/// caller re-reads the generation from the database.
public actor GenerationWaiters {
    /// Why a wait ended.
    public enum Wake: Sendable, Equatable {
        /// The generation may have risen: read it again.
        case changed
        /// The wait's time ran out (or the request was cancelled).
        case timedOut
        /// The server is shutting down: answer now.
        case shuttingDown
    }

    /// A registered waiter.
    public struct Ticket: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private struct Waiter {
        var host: HostKey
        var after: Int64
        var continuation: CheckedContinuation<Wake, Never>?
        var pending: Wake?
    }

    private var waiters: [UInt64: Waiter] = [:]
    /// The waiters of each host, so a notice touches only its host's waiters (a burst of thousands of
    /// notices would otherwise visit every waiter for each).
    private var byHost: [HostKey: Set<UInt64>] = [:]
    private var nextID: UInt64 = 0
    private var isShutDown = false

    public init() {}

    /// How many requests are suspended in ``wait(_:timeout:)`` now (the `plumb_long_polls_held` gauge).
    public var heldCount: Int { waiters.values.filter { $0.continuation != nil }.count }

    /// How many tickets are registered and not yet used up.
    public var registeredCount: Int { waiters.count }

    /// Registers interest in `host` rising above `after` (-1: any generation).
    public func register(host: HostKey, after: Int64) -> Ticket {
        nextID += 1
        waiters[nextID] = Waiter(host: host, after: after, pending: isShutDown ? .shuttingDown : nil)
        byHost[host, default: []].insert(nextID)
        return Ticket(id: nextID)
    }

    /// Forgets a waiter that will not wait (its answer was already there).
    public func cancel(_ ticket: Ticket) {
        forget(ticket.id)
    }

    /// Waits until the waiter is woken or `timeout` passes; the ticket is used up.
    public func wait(_ ticket: Ticket, timeout: Duration) async -> Wake {
        guard let waiter = waiters[ticket.id] else { return .changed }
        if let pending = waiter.pending {
            forget(ticket.id)
            return pending
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.resume(ticket.id, .timedOut)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[ticket.id]?.continuation = continuation
            }
        } onCancel: {
            Task { await self.resume(ticket.id, .timedOut) }
        }
    }

    /// Wakes the waiters of the notice's host that have less than its generation.
    public func notify(_ notice: GenerationNotice) {
        for id in byHost[notice.host] ?? [] where notice.generation > waiters[id]?.after ?? .max {
            resume(id, .changed)
        }
    }

    /// Wakes every waiter to look again (after the listener reconnected and may have missed notices).
    public func wakeAll() {
        for id in waiters.keys {
            resume(id, .changed)
        }
    }

    /// Wakes every waiter with ``Wake/shuttingDown`` and answers every later wait at once the same way.
    public func shutDown() {
        isShutDown = true
        for id in waiters.keys {
            resume(id, .shuttingDown)
        }
    }

    private func resume(_ id: UInt64, _ wake: Wake) {
        guard var waiter = waiters[id] else { return }
        if let continuation = waiter.continuation {
            forget(id)
            continuation.resume(returning: wake)
        } else if waiter.pending == nil {
            waiter.pending = wake
            waiters[id] = waiter
        }
    }

    private func forget(_ id: UInt64) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        byHost[waiter.host]?.remove(id)
        if byHost[waiter.host]?.isEmpty == true { byHost[waiter.host] = nil }
    }
}
