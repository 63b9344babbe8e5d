/// How the controller's HTTP server listens and whom it trusts.
public struct ControllerServerConfiguration: Sendable {
    /// Address to bind (`127.0.0.1`, `0.0.0.0`, `::`).
    public var host: String
    /// Port to bind; 0 picks a free one (the bound address is reported to `onListening`).
    public var port: Int
    /// The bearer token that may call everything.
    public var adminToken: String
    /// The bearer token of Cogs: materializations and reads.
    public var cogsToken: String
    /// Largest request body accepted; larger ones answer 413 (default 4 MiB).
    public var maximumBodySize: Int
    /// How long `/healthz` waits for the database before answering 503.
    public var healthTimeout: Duration
    /// The most bytes of desired-state documents kept encoded for the long polls (default 64 MiB).
    public var documentCacheBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 8470, adminToken: String, cogsToken: String,
                maximumBodySize: Int = 4 * 1024 * 1024, healthTimeout: Duration = .seconds(3),
                documentCacheBytes: Int = 64 * 1024 * 1024) {
        self.host = host
        self.port = port
        self.adminToken = adminToken
        self.cogsToken = cogsToken
        self.maximumBodySize = maximumBodySize
        self.healthTimeout = healthTimeout
        self.documentCacheBytes = documentCacheBytes
    }
}
