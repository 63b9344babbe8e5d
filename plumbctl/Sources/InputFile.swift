import Foundation
import PlumbModel

/// A JSON document read from a file given on the command line (`-` for standard input).
enum InputFile {
    /// Reads and decodes `path` as strictly as the controller does (unknown members and nulls are
    /// refused); a missing file or a document that is not a `T` is a ``CommandFailure`` naming the field.
    static func decode<T: Codable>(_ type: T.Type, path: String, kind: String) throws -> T {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "it cannot be read" : "there is no such file"
                throw CommandFailure(code: .inputUnreadable, message: "cannot read \(kind) file \(path): \(reason)")
            }
            data = contents
        }
        do {
            return try PlumbJSON.decodeStrict(type, from: data)
        } catch let error as APIError {
            let field = error.field.map { " at \($0)" } ?? ""
            throw CommandFailure(code: .inputInvalid, message: "\(path) is not a valid \(kind)\(field): \(error.message)")
        }
    }
}
