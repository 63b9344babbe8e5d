import Foundation
import PlumbModel
import PlumbPostgres

extension APIError {
    /// The API error a refusal raised by the schema's functions stands for: SQLSTATE `PL<status>`,
    /// the message, and DETAIL `{"code": ..., "field": ...}`. Nil for any other database error.
    init?(refusal error: PostgresError) {
        guard let state = error.sqlState, state.hasPrefix("PL"), let status = Int(state.dropFirst(2)) else { return nil }
        struct Detail: Decodable {
            var code: String
            var field: String?
        }
        let detail = error.detail.flatMap { try? JSONDecoder().decode(Detail.self, from: Data($0.utf8)) }
        self.init(status: status, code: detail?.code ?? "refused", message: error.message, field: detail?.field)
    }
}
