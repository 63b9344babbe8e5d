import Foundation
import PlumbPostgres

extension ControllerStore {
    /// Drops every function, view, trigger and composite type of schema `plumb`: all of them are the
    /// function files' (migrations hold tables only). Found through the catalogs, so that an object a
    /// file no longer defines goes too. Tables, their constraints, indexes, sequences and data are not
    /// touched; functions are dropped without CASCADE, so one that a table still used (a default, a
    /// check) would stop the re-application instead of silently taking the table's guarantee with it.
    static let dropFunctionObjects = """
        DO $$
        DECLARE
            r record;
        BEGIN
            FOR r IN SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                     WHERE c.relnamespace = 'plumb'::regnamespace AND NOT t.tgisinternal LOOP
                EXECUTE format('DROP TRIGGER %I ON plumb.%I', r.tgname, r.relname);
            END LOOP;
            -- CASCADE: views built on views; IF EXISTS: such a view may be gone already.
            FOR r IN SELECT c.relname FROM pg_class c
                     WHERE c.relnamespace = 'plumb'::regnamespace AND c.relkind = 'v' LOOP
                EXECUTE format('DROP VIEW IF EXISTS plumb.%I CASCADE', r.relname);
            END LOOP;
            FOR r IN SELECT p.oid::regprocedure AS routine FROM pg_proc p
                     WHERE p.pronamespace = 'plumb'::regnamespace LOOP
                EXECUTE format('DROP ROUTINE %s', r.routine);
            END LOOP;
            FOR r IN SELECT t.oid::regtype AS type FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
                     WHERE t.typnamespace = 'plumb'::regnamespace AND c.relkind = 'c' LOOP
                EXECUTE format('DROP TYPE %s', r.type);
            END LOOP;
        END $$;
        """

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
