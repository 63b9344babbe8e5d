import Foundation
import PlumbController
import XCTest

/// The binary carries `sql/` through the EmbedSQL build plugin: what it embeds is exactly what is on disk.
final class EmbeddedSQLTests: XCTestCase {
    private let sqlDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sql")

    private func onDisk(_ folder: String) throws -> [SQLFile] {
        let directory = sqlDirectory.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
            .map { SQLFile(folder: folder, name: $0,
                           text: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
    }

    func testTheEmbeddedFilesAreTheFilesOfSQL() throws {
        let files = try onDisk("migrations") + onDisk("functions") + onDisk("mechanism")
        XCTAssertEqual(SQLFile.embedded.map { "\($0.folder)/\($0.name)" }, files.map { "\($0.folder)/\($0.name)" })
        XCTAssertEqual(SQLFile.embedded, files)
        XCTAssertFalse(FunctionFiles.embedded.files.isEmpty)
        // The statements the migration mechanism runs are files of sql/mechanism/ too.
        XCTAssertEqual(try onDisk("mechanism").map(\.name), ["bookkeeping.sql", "drop_function_objects.sql"])
    }

    func testMigrationVersionsIncreaseWithoutGaps() {
        XCTAssertEqual(Migration.embedded.map(\.version), Array(1...Migration.embedded.count))
    }
}
