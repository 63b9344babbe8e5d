import Foundation
import PlumbModel
import XCTest

/// ``TokenFile`` reading real files in a temporary directory.
final class TokenFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-token-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    private func write(_ content: String, mode: Int = 0o600) throws -> String {
        let path = directory.appendingPathComponent("token").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(content.utf8), attributes: [.posixPermissions: mode]))
        return path
    }

    private func assertRefused(_ path: String, containing fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TokenFile.read(path: path), file: file, line: line) { error in
            let failure = error as? TokenFileError
            XCTAssertEqual(failure?.path, path, file: file, line: line)
            XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line)
        }
    }

    func testReadsTheTokenTrimmed() throws {
        XCTAssertEqual(try TokenFile.read(path: write("  plumb_abc123\n\n")), "plumb_abc123")
        XCTAssertEqual(try TokenFile.read(path: write("group-readable", mode: 0o640)), "group-readable")
    }

    func testMissingFileNamesThePathAndTheReason() {
        assertRefused(directory.appendingPathComponent("absent").path, containing: "No such file")
    }

    func testEmptyFileIsRefused() throws {
        assertRefused(try write(" \n"), containing: "is empty")
    }

    func testWorldReadableFileIsRefused() throws {
        assertRefused(try write("secret", mode: 0o644), containing: "mode 644")
    }

    func testTwoWordsAreRefused() throws {
        assertRefused(try write("one\ntwo"), containing: "more than one word")
    }

    func testDirectoryIsRefused() {
        assertRefused(directory.path, containing: "not a regular file")
    }
}
