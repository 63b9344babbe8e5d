import ArgumentParser
import Foundation
import Glibc

/// `plumbctl token HOST [--output FILE]`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue a new bearer token for a host's agent (POST /v1/hosts/HOST/token).",
        discussion: "The controller keeps only the token's hash: it is shown once. Earlier tokens of the host stop working."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The host's name, as the facility declares it.")
    var host: String

    @Option(help: ArgumentHelp("Write the token to this file (mode 0600) instead of standard output.", valueName: "file"))
    var output: String?

    func run() throws {
        try reportingFailures(controller: global.controller) {
            let token = try global.client().issueHostToken(host: host)
            guard let output else {
                return global.json ? try global.printJSON(token) : print(token.token)
            }
            try Self.writeSecret(token.token + "\n", to: output)
            if global.json { return try global.printJSON(["host": token.host, "file": output]) }
            print("token for \(token.host) written to \(output)")
        }
    }

    /// Writes `text` to `path` with mode 0600 from the start (never readable by others, not even briefly).
    static func writeSecret(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure(code: .inputUnreadable, message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        // An existing file keeps its mode on O_TRUNC: make it private before the secret goes in.
        guard fchmod(descriptor, 0o600) == 0 else {
            throw CommandFailure(code: .inputUnreadable, message: "cannot make \(path) private: \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CommandFailure(code: .inputUnreadable, message: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
