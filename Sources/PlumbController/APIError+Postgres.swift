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
        if status == 400 {
            // The edge has already refused what the API document forbids; what the database still
            // finds wrong (an unknown hypervisor, a generation the host never had) is a rule: 422.
            self = .inconsistent(detail?.field ?? "body", error.message)
            return
        }
        self.init(status: status, code: detail?.code ?? "refused", message: error.message, field: detail?.field)
    }
}
