import ArgumentParser
import Foundation
import Glibc
import PlumbNetlink

/// A reason to end the agent with a message and a specific exit code.
struct AgentExit: Error, CustomStringConvertible {
    /// The exit codes `plumb-agent --help` documents (sysexits.h values).
    enum Code: Int32 {
        case itemErrors = 1
        case badDocument = 65
        case unavailable = 69
        case permission = 77
        case configuration = 78
    }

    var code: Code
    var message: String

    init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    var description: String { message }

    /// Refuses to go on unless the process runs as root with `CAP_NET_ADMIN` (without it netlink refuses every change).
    static func requireRoot(_ command: String) throws {
        let uid = geteuid()
        guard uid == 0 else {
            throw AgentExit(code: .permission, message: "plumb-agent \(command) must run as root: it changes network devices "
                + "through netlink and writes sysfs (running as uid \(uid))")
        }
        guard hasNetAdminCapability() else {
            throw AgentExit(code: .permission, message: "plumb-agent \(command) needs the CAP_NET_ADMIN capability: "
                + "without it the kernel refuses every netlink change")
        }
    }

    /// Whether `CAP_NET_ADMIN` (capability 12) is in the effective set (`CapEff` in /proc/self/status).
    private static func hasNetAdminCapability() -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return true }  // Not knowable here: let netlink answer.
        return mask & (1 << 12) != 0
    }

    /// A netlink permission refusal as a permission exit; `nil` for any other error.
    init?(netlinkRefusal error: Error) {
        guard let error = error as? NetlinkError, let code = error.code, code == EPERM || code == EACCES else { return nil }
        self.init(code: .permission, message: "\(error): the kernel refused; run as root with CAP_NET_ADMIN")
    }
}

extension ParsableCommand {
    /// Runs `body`; an ``AgentExit`` (or a netlink refusal) prints its message and exits with its code.
    func exiting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            guard let exit = (error as? AgentExit) ?? AgentExit(netlinkRefusal: error) else { throw error }
            FileHandle.standardError.write(Data("plumb-agent: \(exit.message)\n".utf8))
            throw ExitCode(exit.code.rawValue)
        }
    }
}
