import PlumbPostgres

extension ControllerStore {
    /// Allocated, quarantined and free values of every pool (the `plumb.pool_usage` view).
    public func poolUsage() async throws -> [PoolUsage] {
        try await read { connection in
            try connection.query("""
                SELECT pool, scope, size, allocated, quarantined, free FROM plumb.pool_usage ORDER BY pool, scope
                """).rows.map { row in
                PoolUsage(pool: try row.string("pool"), scope: try row.string("scope"), size: try row.int("size"),
                          allocated: try row.int("allocated"), quarantined: try row.int("quarantined"), free: try row.int("free"))
            }
        }
    }
}
