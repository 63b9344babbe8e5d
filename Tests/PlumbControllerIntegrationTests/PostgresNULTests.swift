import PlumbController
import PlumbModel
import PlumbPostgres
import XCTest

/// libpq takes parameters as C strings: a string holding a NUL is refused, never sent cut short.
final class PostgresNULTests: StoreTestCase {
    func testAParameterHoldingANULIsRefusedNotTruncated() async throws {
        try await pool.withConnection { connection in
            try connection.query("CREATE TEMP TABLE names (name text)")
            try connection.query("INSERT INTO names VALUES ('victim')")
            XCTAssertThrowsError(try connection.query("DELETE FROM names WHERE name = $1", ["victim\u{0}anything"])) { error in
                XCTAssertTrue("\(error)".contains("parameter $1 holds a NUL byte"), "\(error)")
            }
            XCTAssertThrowsError(try connection.query("DELETE FROM names WHERE name = ANY($2) OR $1", [false, ["a", "victim\u{0}x"]])) { error in
                XCTAssertTrue("\(error)".contains("parameter $2 holds a NUL byte"), "\(error)")
            }
            XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM names").rows[0].int("n"), 1, "nothing was deleted")
            XCTAssertTrue(connection.isHealthy, "the connection stays usable")
        }
    }
}
