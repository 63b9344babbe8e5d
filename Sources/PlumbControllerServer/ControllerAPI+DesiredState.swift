import Foundation
import Hummingbird
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// Answers a desired-state request: at once when the host's generation is newer than `after`
    /// (or no `after` was given), else when a notice raises it, else 304 after `wait` seconds.
    /// A host asking for its own document counts as contact (its `last_seen` moves).
    ///
    /// The document comes from ``DesiredDocuments``: the bytes encoded once for that generation,
    /// or fetched in one batch with every other poll the same notices woke. While it waits, a poll
    /// costs the database nothing: a notice names the host and its new generation, so waking needs
    /// no read of the generation either.
    func desired(_ host: HostKey, caller: Caller, _ request: Request) async throws -> Response {
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
                guard poll.isAnsweredBy(generation: generation) else { return .empty(.notModified) }
                return try await answer(host, atLeast: generation)
            }
            switch await waiters.wait(ticket, timeout: remaining) {
            case .changed:
                // Woken by a notice: its generation says what to serve. Woken otherwise (the listener
                // reconnected), or the document fetched is not newer after all: look again.
                if let announced = await documents.announcedGeneration(of: host), poll.isAnsweredBy(generation: announced),
                   let served = try await documents.document(host, atLeast: announced),
                   poll.isAnsweredBy(generation: served.generation) {
                    return Self.response(served)
                }
                continue
            case .timedOut, .shuttingDown:
                return .empty(.notModified)
            }
        }
    }

    private func answer(_ host: HostKey, atLeast generation: Int64) async throws -> Response {
        guard let served = try await documents.document(host, atLeast: generation) else {
            throw APIError.notFound("unknown \(host.kind.rawValue) \(host.name)")
        }
        return Self.response(served)
    }

    private static func response(_ served: DesiredDocuments.Served) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: served.body))
    }
}
