import Foundation
import Hummingbird
import Logging
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// `GET /healthz`: 200 when the database answers within ``ControllerServerConfiguration/healthTimeout``, else 503.
    func health(logger: Logger) async throws -> Response {
        do {
            try await store.checkHealth(within: configuration.healthTimeout)
        } catch let StoreError.unavailable(reason) {
            // The database's own words stay in the log: an answer never carries SQL or libpq text.
            logger.warning("health check failed", metadata: ["problem": "\(reason)"])
            return .error(APIError(status: 503, code: "database_unavailable",
                                   message: "the database does not answer within \(configuration.healthTimeout)"))
        }
        return try .json(["status": "ok", "database": "ok"])
    }

    /// `GET /metrics`: Prometheus text.
    func metricsText() async throws -> Response {
        let text = metrics.exposition(pools: try await store.poolUsage(), hosts: try await store.hosts(),
                                      heldPolls: await waiters.heldCount) + (await documents.exposition())
        return .text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
