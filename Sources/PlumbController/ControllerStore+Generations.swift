import PlumbPostgres

/// What the store's generation listener reports.
public enum GenerationEvent: Sendable, Equatable {
    /// A host's generation rose, in a change committed through any controller on this database
    /// (one notification may announce many hosts: each comes as an event of its own).
    case rose(GenerationNotice)
    /// The listener (re)connected: rises may have gone unannounced before this point, so anything
    /// waiting for one should look again.
    case listening
}

extension ControllerStore {
    /// The generation rises committed on this database, by this controller or any other, for as long
    /// as the sequence is iterated.
    ///
    /// Each call opens a `LISTEN` connection of its own, which reconnects by itself when the database
    /// goes away (announcing ``GenerationEvent/listening`` each time) and closes when the iteration
    /// ends or its task is cancelled.
    public func generationEvents() -> AsyncStream<GenerationEvent> {
        let (events, continuation) = AsyncStream.makeStream(of: GenerationEvent.self)
        let logger = self.logger
        let listener = PostgresListener(url: pool.configuration.url, channels: [GenerationNotice.channel], logger: logger) { event in
            switch event {
            case .connected:
                continuation.yield(.listening)
            case .notification(_, let payload):
                guard let notices = GenerationNotice.all(in: payload) else {
                    logger.warning("unexpected generation notice", metadata: ["payload": "\(payload.prefix(200))"])
                    return
                }
                for notice in notices { continuation.yield(.rose(notice)) }
            }
        }
        continuation.onTermination = { _ in listener.stop() }
        listener.start()
        return events
    }
}
