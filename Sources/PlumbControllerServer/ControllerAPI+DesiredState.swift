import Foundation
import NIOCore
import PlumbAPI
import PlumbController
import PlumbModel

extension ControllerAPI {
    func hostDesired(_ input: Operations.HostDesired.Input) async throws -> Operations.HostDesired.Output {
        switch try await desired(.hypervisor(input.path.name), after: input.query.after, wait: input.query.wait) {
        case .document(let body):
            PreEncodedBody.answer(body)
            return .undocumented(statusCode: 200, .init())
        case .notModified: return .notModified(.init())
        }
    }

    func leafDesired(_ input: Operations.LeafDesired.Input) async throws -> Operations.LeafDesired.Output {
        switch try await desired(.leaf(input.path.name), after: input.query.after, wait: input.query.wait) {
        case .document(let body):
            PreEncodedBody.answer(body)
            return .undocumented(statusCode: 200, .init())
        case .notModified: return .notModified(.init())
        }
    }

    /// What a desired-state request gets: the document's bytes, or nothing newer.
    ///
    /// The 200 is served as the bytes PostgreSQL wrote for the generation, which ``DesiredDocuments`` keeps and
    /// shares with every poll waiting for it, through ``PreEncodedBody``: the generated typed answer would decode
    /// and encode the document again for each poll. `DesiredDocumentSchemaTests` and `OpenAPITests` hold those
    /// bytes to the schema.
    enum DesiredAnswer {
        case document(ByteBuffer)
        case notModified
    }

    /// Answers a desired-state request: at once when the host's generation is newer than `after`
    /// (or no `after` was given), else when a notice raises it, else 304 after `wait` seconds.
    /// A host asking for its own document counts as contact (its `last_seen` moves).
    ///
    /// The document comes from ``DesiredDocuments``: the bytes computed once for that generation,
    /// or fetched in one batch with every other poll the same notices woke. While it waits, a poll
    /// costs the database nothing: a notice names the host and its new generation, so waking needs
    /// no read of the generation either.
    func desired(_ host: HostKey, after: Int64?, wait: Int?) async throws -> DesiredAnswer {
        let poll = LongPoll(after: after, wait: wait)
        if Caller.current == .host(host) {
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
                guard poll.isAnsweredBy(generation: generation) else { return .notModified }
                return try await answer(host, atLeast: generation)
            }
            switch await waiters.wait(ticket, timeout: remaining) {
            case .changed:
                // Woken by a notice: its generation says what to serve. Woken otherwise (the listener
                // reconnected), or the document fetched is not newer after all: look again.
                if let announced = await documents.announcedGeneration(of: host), poll.isAnsweredBy(generation: announced),
                   let served = try await documents.document(host, atLeast: announced),
                   poll.isAnsweredBy(generation: served.generation) {
                    return Self.answer(served)
                }
                continue
            case .timedOut, .shuttingDown:
                return .notModified
            }
        }
    }

    private func answer(_ host: HostKey, atLeast generation: Int64) async throws -> DesiredAnswer {
        guard let served = try await documents.document(host, atLeast: generation) else {
            throw APIError.notFound("unknown \(host.kind.rawValue) \(host.name)")
        }
        return Self.answer(served)
    }

    private static func answer(_ served: DesiredDocuments.Served) -> DesiredAnswer {
        .document(served.body)
    }
}
