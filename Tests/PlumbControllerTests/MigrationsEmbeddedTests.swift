import Foundation
import PlumbController
import XCTest

/// The binary carries `sql/migrations/` through `Migrations+Embedded.swift`: the two must not drift.
final class MigrationsEmbeddedTests: XCTestCase {
    private var migrationsDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sql/migrations")
    }

    func testEmbeddedMigrationsMatchTheFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: migrationsDirectory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        XCTAssertFalse(files.isEmpty)
        XCTAssertEqual(files.count, Migration.embedded.count,
                       "sql/migrations and Migrations+Embedded.swift differ: run sql/embed-migrations.sh")
        for (file, migration) in zip(files, Migration.embedded) {
            let base = String(file.dropLast(4))
            let parts = base.split(separator: "_", maxSplits: 1)
            XCTAssertEqual(Int(parts[0]), migration.version, file)
            XCTAssertEqual(String(parts[1]), migration.name, file)
            let text = try String(contentsOf: migrationsDirectory.appendingPathComponent(file), encoding: .utf8)
            // The generator keeps the file byte for byte except the final newline.
            XCTAssertEqual(text, migration.sql + "\n", "\(file) differs from its embedded copy: run sql/embed-migrations.sh")
        }
    }

    func testVersionsIncreaseWithoutGaps() {
        XCTAssertEqual(Migration.embedded.map(\.version), Array(1...Migration.embedded.count))
    }
}
