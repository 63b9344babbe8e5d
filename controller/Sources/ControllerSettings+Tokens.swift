import Foundation
import Logging
import PlumbModel

extension ControllerSettings {
    /// The token in `path`, creating the file with a new random token (mode 0600) when it does not exist.
    func token(at path: String, role: String, logger: Logger) throws -> String {
        if !FileManager.default.fileExists(atPath: path) {
            try Self.createTokenFile(path)
            logger.notice("created \(role) token file", metadata: ["path": "\(path)"])
        }
        do {
            return try TokenFile.read(path: path)
        } catch let error as TokenFileError {
            throw StartupFailure("\(role) token: \(error)", exitCode: 78)
        }
    }

    /// Writes 32 random bytes as hex to a new file that only its owner can read (fails if it appeared meanwhile).
    /// A missing directory is created searchable by others: the embedded cluster's user must reach `DATA_DIR/postgres`.
    static func createTokenFile(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw StartupFailure("cannot create the directory of \(path): \(error.localizedDescription)", exitCode: 73)
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StartupFailure("cannot create token file \(path): \(String(cString: strerror(errno)))", exitCode: 73)
        }
        defer { close(descriptor) }
        let line = Array((token + "\n").utf8)
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw StartupFailure("cannot write token file \(path): \(String(cString: strerror(errno)))", exitCode: 73)
        }
    }
}
