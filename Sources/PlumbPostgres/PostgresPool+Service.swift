import ServiceLifecycle

extension PostgresPool: Service {
    /// Keeps the pool open until graceful shutdown (or cancellation), then closes its connections and
    /// stops its threads. Put it in a `ServiceGroup` after the database and before the services that use it,
    /// so it closes after them and before the database stops.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
