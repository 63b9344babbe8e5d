import Foundation
import PlumbPostgres

/// A migration recorded as applied whose text no longer matches the embedded one.
public struct MigrationMismatch: Error, CustomStringConvertible {
    public var version: Int
    public var name: String
    public var description: String {
        "migration \(version) (\(name)) was applied with other contents than this controller carries"
    }
}

extension ControllerStore {
    /// Key of the advisory lock that serialises migrations and function re-application across controllers.
    static let migrationLock = 7_391_102_000

    /// Applies the embedded migrations not yet applied, then the embedded function files if they
    /// changed. Safe to run from several controllers at once: each step holds an advisory lock and
    /// re-checks what is applied.
    public func migrate() async throws {
        try await migrate(Migration.embedded, functions: .embedded)
    }

    /// Applies `migrations` and `functions` (for tests of the mechanism; ``migrate()`` uses the embedded ones).
    public func migrate(_ migrations: [Migration], functions: FunctionFiles = .embedded) async throws {
        try await pool.transaction(isolation: .readCommitted) { connection in
            try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.migrationLock])
            try connection.execute(SQLFile.mechanism("bookkeeping"))
        }
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let applied = try await pool.transaction(isolation: .readCommitted) { connection -> Bool in
                try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.migrationLock])
                let existing = try connection.query(
                    "SELECT checksum = md5($2) AS same FROM plumb.schema_migrations WHERE version = $1",
                    [migration.version, migration.sql])
                if let row = existing.rows.first {
                    guard try row.bool("same") else { throw MigrationMismatch(version: migration.version, name: migration.name) }
                    return false
                }
                try connection.execute(migration.sql)
                try connection.query("INSERT INTO plumb.schema_migrations (version, name, checksum) VALUES ($1, $2, md5($3))",
                                     [migration.version, migration.name, migration.sql])
                return true
            }
            if applied {
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
        try await apply(functions)
    }
}
