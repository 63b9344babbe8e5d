import Foundation
import Glibc

/// Starts programs with `posix_spawn` (no shell, no `env`), output discarded, standard error kept for failures:
/// the cheapest way to run one process per operation, so the process-per-operation baseline is not slowed by
/// the harness.
enum ProcessRunner {
    struct Failure: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var standardError: String
        var description: String { "\(command.joined(separator: " ")) exited \(status): \(standardError.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }

    /// The first of `candidates` that is executable.
    static func locate(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `ip` and `bridge` of iproute2.
    static let ip = locate(["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]) ?? "/usr/sbin/ip"
    static let bridge = locate(["/usr/sbin/bridge", "/sbin/bridge", "/usr/bin/bridge", "/bin/bridge"]) ?? "/usr/sbin/bridge"

    /// Runs `path ARGS…` to completion; throws ``Failure`` on a non-zero exit. Standard output goes to `output`
    /// (a file path) or is discarded.
    static func run(_ path: String, _ arguments: [String], output: String? = nil) throws {
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-bench-stderr-\(getpid())").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else {
            unlink(errorFile)
            throw Failure(command: [path] + arguments, status: -1, standardError: String(cString: strerror(spawned)))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        defer { unlink(errorFile) }
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        guard exitStatus == 0 else {
            let text = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            throw Failure(command: [path] + arguments, status: exitStatus, standardError: text)
        }
    }

    /// Runs a step of iproute2 against namespace `namespace` (`ip -n NS …`).
    static func run(_ step: IPStep, namespace: String) throws {
        try run(step.tool == .ip ? ip : bridge, ["-n", namespace] + step.arguments)
    }
}
