import Logging
import PlumbController
import PlumbPostgres
import PlumbTestSupport
import XCTest

/// Migrations: applied once, in order, recorded, safe from two controllers at once.
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
}
