import CSpawnShim
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs one PostgreSQL server tool (`initdb`, `pg_ctl`) to completion and answers its exit status and output.
///
/// Foundation's `Process` cannot be used for `pg_ctl start`: it detects the child's exit through a socket
/// the child inherits, and the daemonized postmaster keeps that socket open for its whole life, so
/// `waitUntilExit` never returns. Here the tool is spawned with every descriptor above stderr closed,
/// its output goes to a file (not a pipe the postmaster could hold), and the exit is awaited with `waitpid`.
struct ServerCommand {
    var executable: String
    var arguments: [String]
    var workingDirectory: String

    /// The tool's exit status and what it wrote to stdout and stderr.
    struct Outcome {
        var status: Int32
        var output: String
    }

    func run() throws -> Outcome {
        let outputPath = NSTemporaryDirectory() + "plumb-pg-\(getpid())-\(UUID().uuidString).out"
        defer { unlink(outputPath) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        plumb_spawn_add_chdir(&actions, workingDirectory)
        plumb_spawn_add_closefrom(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = (argv + [nil]).withUnsafeBufferPointer { argvPointer in
            posix_spawn(&pid, executable, &actions, nil, UnsafeMutablePointer(mutating: argvPointer.baseAddress!), environ)
        }
        guard spawned == 0 else {
            throw EmbeddedPostgresError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError("waiting for \(executable) failed: \(String(cString: strerror(errno)))")
            }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, which the importer does not bring over as functions.
        let exited = status & 0x7f == 0
        return Outcome(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: output)
    }
}
