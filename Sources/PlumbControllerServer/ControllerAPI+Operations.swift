import Foundation
import Logging
import OpenAPIRuntime
import PlumbAPI
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// `GET /healthz`: 200 when the database answers within ``ControllerServerConfiguration/healthTimeout``, else 503.
    func health(_ input: Operations.Health.Input) async throws -> Operations.Health.Output {
        do {
            try await store.checkHealth(within: configuration.healthTimeout)
        } catch let StoreError.unavailable(reason) {
            // The database's own words stay in the log: an answer never carries SQL or libpq text.
            logger.warning("health check failed", metadata: ["problem": "\(reason)"])
            throw APIError(status: 503, code: "database_unavailable",
                           message: "the database does not answer within \(configuration.healthTimeout)")
        }
        return .ok(.init(body: .json(.init(status: .ok, database: .ok))))
    }

    /// `GET /metrics`: Prometheus text.
    func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
        let text = metrics.exposition(pools: try await store.poolUsage(), hosts: try await store.hosts(),
                                      heldPolls: await waiters.heldCount) + (await documents.exposition())
        return .ok(.init(body: .plainText(HTTPBody(text))))
    }
}
