import Foundation

extension ControllerStore {
    /// Returns when the database answers a query within `timeout`; throws ``StoreError/unavailable(reason:)``
    /// otherwise, at the latest after `timeout` (the pool itself keeps retrying an unreachable database
    /// for longer, and a health check must not wait for that).
    public func checkHealth(within timeout: Duration) async throws {
        let pool = self.pool
        let first = FirstAnswer<String?>()
        let problem = await withCheckedContinuation { continuation in
            first.set(continuation)
            Task {
                do {
                    try await pool.withConnection { _ = try $0.query("SELECT 1") }
                    first.answer(nil)
                } catch {
                    first.answer("\(error)")
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                first.answer("no answer within \(timeout)")
            }
        }
        if let problem {
            throw StoreError.unavailable(reason: problem)
        }
    }
}
