import Foundation
import Hummingbird
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// Answers a desired-state request: at once when the host's generation is newer than `after`
    /// (or no `after` was given), else when a notice raises it, else 304 after `wait` seconds.
    /// A host asking for its own document counts as contact (its `last_seen` moves).
    func desired<Document: Encodable>(_ host: HostKey, caller: Caller, _ request: Request,
                                      fetch: () async throws -> Document) async throws -> Response {
        let query = request.uri.queryParameters
        let poll = try LongPoll(after: query["after"], wait: query["wait"])
        if caller == .host(host) {
            try await store.recordContact(host)
        }
        let deadline = ContinuousClock.now + .seconds(poll.waitSeconds)
        while true {
            let ticket = await waiters.register(host: host, after: poll.after ?? -1)
            let generation: Int64
            do {
                generation = try await store.generation(of: host)
            } catch {
                await waiters.cancel(ticket)
                throw error
            }
            let remaining = deadline - ContinuousClock.now
            if poll.isAnsweredBy(generation: generation) || remaining <= .zero {
                await waiters.cancel(ticket)
                return poll.isAnsweredBy(generation: generation) ? try .json(try await fetch()) : .empty(.notModified)
            }
            switch await waiters.wait(ticket, timeout: remaining) {
            case .changed: continue
            case .timedOut, .shuttingDown: return .empty(.notModified)
            }
        }
    }
}
