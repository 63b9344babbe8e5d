import Foundation

/// A bearer token kept in a file (as systemd credentials or a provisioning tool leave it).
public enum TokenFile {
    /// Reads the token: the file's content without surrounding whitespace.
    ///
    /// - Throws: ``TokenFileError`` when the file is missing or unreadable, readable or writable by
    ///   everyone (a token others can read is no secret), empty, or more than one line.
    public static func read(path: String) throws -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw TokenFileError(path: path, reason: String(cString: strerror(errno)))
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw TokenFileError(path: path, reason: "not a regular file")
        }
        guard info.st_mode & (S_IROTH | S_IWOTH) == 0 else {
            throw TokenFileError(path: path, reason: String(format: "mode %03o lets every user read or write it; use 0600 or 0640",
                                                           info.st_mode & 0o777))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenFileError(path: path, reason: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenFileError(path: path, reason: "is not UTF-8 text")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw TokenFileError(path: path, reason: "is empty")
        }
        guard !token.contains(where: \.isNewline), !token.contains(" ") else {
            throw TokenFileError(path: path, reason: "holds more than one word; it must hold the token alone")
        }
        return token
    }
}

/// The token file could not give a usable token.
public struct TokenFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "token file \(path): \(reason)" }
}
