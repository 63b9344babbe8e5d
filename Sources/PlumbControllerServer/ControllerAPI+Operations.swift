import Foundation
import Hummingbird
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// `GET /healthz`: 200 when the database answers within ``ControllerServerConfiguration/healthTimeout``, else 503.
    func health() async throws -> Response {
        do {
            try await store.checkHealth(within: configuration.healthTimeout)
        } catch let StoreError.unavailable(reason) {
            return .error(APIError(status: 503, code: "database_unavailable", message: "the database does not answer: \(reason)"))
        }
        return try .json(["status": "ok", "database": "ok"])
    }

    /// `GET /metrics`: Prometheus text.
    func metricsText() async throws -> Response {
        let text = metrics.exposition(pools: try await store.poolUsage(), hosts: try await store.hosts(),
                                      heldPolls: await waiters.heldCount) + (await documents.exposition())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
