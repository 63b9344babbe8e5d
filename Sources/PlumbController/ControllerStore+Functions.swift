import Foundation
import PlumbPostgres

extension ControllerStore {
    /// Drops every function, view, trigger and composite type of schema `plumb` (`sql/mechanism/drop_function_objects.sql`
    /// says how and why).
    static let dropFunctionObjects = SQLFile.mechanism("drop_function_objects")

    /// Re-applies `functions` if their checksum differs from the one recorded in `plumb.schema_functions`:
    /// in one transaction under the migration lock, every function object is dropped and every file run
    /// again, then the checksum is recorded. Unchanged files: nothing is executed. The check is repeated
    /// inside the lock, so controllers starting at once apply a change once.
    func apply(_ functions: FunctionFiles) async throws {
        let fingerprint = functions.fingerprint
        let isCurrent = { (connection: PostgresConnection) throws -> Bool in
            try connection.query("SELECT EXISTS (SELECT 1 FROM plumb.schema_functions WHERE checksum = md5($1)) AS current",
                                 [fingerprint]).rows[0].bool("current")
        }
        if try await pool.withConnection(isCurrent) { return }
        let applied = try await pool.transaction(isolation: .readCommitted) { [logger] connection -> Bool in
            try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.migrationLock])
            if try isCurrent(connection) { return false }
            try connection.execute(Self.dropFunctionObjects)
            for file in functions.files {
                do {
                    try connection.execute(file.text)
                } catch {
                    logger.error("function file failed", metadata: ["file": "sql/functions/\(file.name)", "error": "\(error)"])
                    throw error
                }
            }
            try connection.query("""
                INSERT INTO plumb.schema_functions (checksum) VALUES (md5($1))
                ON CONFLICT (singleton) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                """, [fingerprint])
            return true
        }
        if applied {
            logger.info("applied function files", metadata: ["files": "\(functions.files.count)"])
        }
    }
}
