import Logging
import PlumbController
import PlumbPostgres
import PlumbTestSupport
import XCTest

/// Migrations: applied once, in order, recorded, safe from two controllers at once. Function files:
/// re-applied as a whole when they change, left alone when not, tables and data untouched.
final class MigrationTests: XCTestCase {
    private func makeStore(_ url: String) -> ControllerStore {
        ControllerStore(pool: PostgresPool(configuration: PostgresConfiguration(url: url, size: 2), logger: Logger(label: "test")),
                        configuration: ControllerConfiguration(), logger: Logger(label: "test"))
    }

    private func applied(_ store: ControllerStore) async throws -> [Int] {
        try await store.pool.withConnection {
            try $0.query("SELECT version FROM plumb.schema_migrations ORDER BY version").rows.map { try $0.int("version") }
        }
    }

    func testTwoControllersMigratingAtOnceApplyEachMigrationOnce() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let first = makeStore(url), second = makeStore(url)
        async let a: Void = first.migrate()
        async let b: Void = second.migrate()
        _ = try await (a, b)
        let versions = try await applied(first)
        XCTAssertEqual(versions, Migration.embedded.map(\.version))
        // Running again changes nothing.
        try await first.migrate()
        let again = try await applied(second)
        XCTAssertEqual(again, versions)
        await first.pool.shutdown()
        await second.pool.shutdown()
    }

    func testAFailingMigrationLeavesNothingOfItself() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let store = makeStore(url)
        let broken = Migration(version: Migration.embedded.count + 1, name: "broken",
                               sql: "CREATE TABLE plumb.half_done (x int); SELECT no_such_function();")
        do {
            try await store.migrate(Migration.embedded + [broken])
            XCTFail("a broken migration was applied")
        } catch let error as PostgresError {
            XCTAssertEqual(error.sqlState, "42883")
        }
        let versions = try await applied(store)
        XCTAssertEqual(versions, Migration.embedded.map(\.version), "the earlier migrations stay applied")
        let table = try await store.pool.withConnection {
            try $0.query("SELECT to_regclass('plumb.half_done') IS NULL AS gone").rows[0].bool("gone")
        }
        XCTAssertTrue(table)
        await store.pool.shutdown()
    }

    func testAnAppliedMigrationThatChangedIsRefused() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let store = makeStore(url)
        try await store.migrate()
        var changed = Migration.embedded
        changed[0] = Migration(version: changed[0].version, name: changed[0].name, sql: changed[0].sql + "\n-- edited")
        do {
            try await store.migrate(changed)
            XCTFail("an edited migration went unnoticed")
        } catch let error as MigrationMismatch {
            XCTAssertEqual(error.version, 1)
        }
        await store.pool.shutdown()
    }

    /// The function files with a function `plumb.test_marker()` returning `value` added to the last one, as
    /// an edited file. Each application also counts itself in sequence `plumb.test_applications`, if there is one.
    private func edited(value: Int) -> FunctionFiles {
        var files = FunctionFiles.embedded
        let last = files.files.removeLast()
        files.files.append(SQLFile(folder: last.folder, name: last.name, text: last.text + """

            CREATE FUNCTION plumb.test_marker() RETURNS int LANGUAGE sql AS $$ SELECT \(value) $$;
            SELECT nextval(s) FROM to_regclass('plumb.test_applications') s WHERE s IS NOT NULL;
            """))
        return files
    }

    /// The object id of plumb.write_materialization (new each time the files are re-applied) and when they were.
    private func functionsState(_ store: ControllerStore) async throws -> String {
        try await store.pool.withConnection {
            try $0.query("""
                SELECT format('%s %s', 'plumb.write_materialization(text, jsonb, text, jsonb, interval)'::regprocedure::oid,
                              (SELECT applied_at FROM plumb.schema_functions)) AS state
                """).rows[0].string("state")
        }
    }

    private func marker(_ store: ControllerStore) async throws -> Int? {
        try await store.pool.withConnection {
            guard try $0.query("SELECT to_regproc('plumb.test_marker') IS NOT NULL AS present").rows[0].bool("present") else {
                return nil
            }
            return try $0.query("SELECT plumb.test_marker() AS value").rows[0].int("value")
        }
    }

    func testUnchangedFunctionFilesAreNotAppliedAgain() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let store = makeStore(url)
        try await store.migrate()
        let before = try await functionsState(store)
        try await store.migrate()
        let after = try await functionsState(store)
        XCTAssertEqual(after, before, "nothing was dropped or created")
        await store.pool.shutdown()
    }

    func testChangedFunctionFilesAreReappliedAndTheDataKept() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let store = makeStore(url)
        try await store.migrate()
        try await store.putFacility(Fixture.facility())
        let first = try await store.materialize(id: "kept", spec: Fixture.simple([.virtio, .vfio])).materialization
        let before = try await functionsState(store)

        try await store.migrate(Migration.embedded, functions: edited(value: 1))
        let marked = try await marker(store)
        XCTAssertEqual(marked, 1)
        let reapplied = try await functionsState(store)
        XCTAssertNotEqual(reapplied, before)
        // Back to the files as they are: the marker no file defines any more is gone.
        try await store.migrate()
        let unmarked = try await marker(store)
        XCTAssertNil(unmarked)

        // The data and the tables' guarantees are all still there, and the functions work on them.
        let kept = try await store.materialization(id: "kept")
        XCTAssertEqual(kept.networks, first.networks)
        XCTAssertEqual(kept.vms, first.vms)
        let second = try await store.materialize(id: "next", spec: Fixture.simple([.virtio, .vfio])).materialization
        XCTAssertNotEqual(second.networks[0].vni, first.networks[0].vni)
        let history = try await store.pool.withConnection {
            try $0.query("SELECT count(*) AS value FROM plumb.allocation_history WHERE event = 'allocated'").rows[0].int("value")
        }
        XCTAssertEqual(history, 2 * 6, "a VNI, a VLAN, two MACs, a tap and a VF per materialization, recorded by the triggers")
        await store.pool.shutdown()
    }

    func testABrokenFunctionFileLeavesTheAppliedFunctionsInPlace() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let store = makeStore(url)
        try await store.migrate()
        let before = try await functionsState(store)
        var broken = FunctionFiles.embedded
        broken.files.append(SQLFile(folder: "functions", name: "99_broken.sql", text: "SELECT no_such_function();"))
        do {
            try await store.migrate(Migration.embedded, functions: broken)
            XCTFail("a broken function file was applied")
        } catch let error as PostgresError {
            XCTAssertEqual(error.sqlState, "42883")
        }
        let after = try await functionsState(store)
        XCTAssertEqual(after, before, "the drop and the files before the broken one were rolled back")
        await store.pool.shutdown()
    }

    func testControllersStartingAtOnceApplyChangedFunctionFilesOnce() async throws {
        let url = try TestPostgres.shared.makeDatabase()
        let setup = makeStore(url)
        try await setup.migrate()
        try await setup.pool.withConnection { try $0.execute("CREATE SEQUENCE plumb.test_applications") }
        let stores = (0..<4).map { _ in makeStore(url) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask { try await store.migrate(Migration.embedded, functions: self.edited(value: 2)) }
            }
            try await group.waitForAll()
        }
        let marked = try await marker(setup)
        XCTAssertEqual(marked, 2)
        let applications = try await setup.pool.withConnection {
            try $0.query("SELECT last_value AS value FROM plumb.test_applications").rows[0].int("value")
        }
        XCTAssertEqual(applications, 1, "one controller applied the change, the others found it applied")
        for store in stores { await store.pool.shutdown() }
        await setup.pool.shutdown()
    }
}
