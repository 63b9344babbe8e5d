import Hummingbird
import Logging
import NIOCore
import PlumbController
import PlumbModel
import ServiceLifecycle

/// The controller's HTTP API (the generated server of `controller/openapi.json`, ``ControllerAPI``) on
/// Hummingbird, with the store's generation notices waking its long polls.
///
/// Run it as a service (`try await server.run()`, or inside a `ServiceGroup` that handles signals):
/// on graceful shutdown the long polls answer 304 at once, then the server finishes the requests
/// in flight and stops.
public struct ControllerServer: Service {
    private let store: ControllerStore
    private let configuration: ControllerServerConfiguration
    private let metrics: ControllerMetrics
    private let logger: Logger
    private let onListening: @Sendable (_ host: String, _ port: Int) async -> Void

    /// - Parameters:
    ///   - store: the controller's logic on its database (already migrated); its generation notices wake the long polls.
    ///   - metrics: what `/metrics` exposes; request latency appears there when its registry is the one the process
    ///     bootstrapped swift-metrics with (``ControllerMetrics/factory(registry:)``).
    ///   - onListening: called once the socket is bound, with the bound address (the real port when 0 was asked for).
    public init(store: ControllerStore, configuration: ControllerServerConfiguration,
                metrics: ControllerMetrics = ControllerMetrics(), logger: Logger,
                onListening: @escaping @Sendable (_ host: String, _ port: Int) async -> Void = { _, _ in }) {
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let waiters = GenerationWaiters()
        let documents = DesiredDocuments(store: store, capacity: configuration.documentCacheBytes)
        let api = ControllerAPI(store: store, waiters: waiters, documents: documents, metrics: metrics,
                                configuration: configuration, logger: logger)
        let authenticator = Authenticator(adminToken: configuration.adminToken, cogsToken: configuration.cogsToken) { [store] token in
            try await store.authenticate(hostToken: token)
        }
        let routes = RouteRecorder()
        try api.registerHandlers(on: routes)
        let router = Router(context: ControllerRequestContext.self)
        // Per-route counts and latency, through swift-metrics (see ControllerMetrics.factory(registry:)); first, so
        // that it also times HEAD answers, whose body HeadMiddleware replaces.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: HeadMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: ErrorEnvelopeMiddleware(routes: routes.routes))
        // hummingbird-auth: the bearer token becomes the context's identity, handed on to the generated server's
        // OperationAuthorization (which cannot see the Hummingbird context) as Caller.presented.
        router.add(middleware: BearerTokenMiddleware(authenticator: authenticator))
        router.add(middleware: PresentedCallerMiddleware())
        try api.registerHandlers(on: HeadRegisteringTransport(router: router), configuration: ControllerAPI.runtimeConfiguration,
                                 middlewares: [OperationAuthorization(authenticator: authenticator),
                                               StrictInput(maximumBodySize: configuration.maximumBodySize), PreEncodedBodies()])
        let onListening = self.onListening
        let application = Application(
            router: router,
            // Thousands of agents reconnect at once after a restart: a SYN the full accept queue drops is
            // retried by the client only a second later, so the queue is made as long as the kernel allows.
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: "plumb-controller", backlog: 4096),
            onServerRunning: { channel in
                let address = channel.localAddress
                await onListening(address?.ipAddress ?? "?", address?.port ?? 0)
            },
            logger: logger)
        // Shut down in reverse order: the watcher first (long polls answer 304), then the HTTP server.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: application), .init(service: GenerationWatcher(store: store, waiters: waiters,
                                                                                    documents: documents, logger: logger))],
            logger: logger))
        try await group.run()
    }
}
