import ArgumentParser
import Foundation
import Logging
import PlumbAgentKit
import PlumbLogging
import PlumbModel

/// Options every subcommand shares: how this host is plumbed and how the agent logs.
struct AgentOptions: ParsableArguments {
    @Option(help: "Root of the sysfs tree.")
    var sysfsRoot = "/sys"

    @Option(help: "Directory for the agent's records of PCI devices it took from their drivers.")
    var stateDirectory = "/var/lib/plumb-agent"

    @Option(name: .customLong("mtu"), help: "MTU of VXLAN devices, bridges and taps of a network for which the controller sends no MTU (default: underlay MTU minus \(Limits.vxlanOverhead)).")
    var mtu: Int?

    @Option(help: "User (name or uid) that owns the taps, so QEMU can open them.")
    var tapOwner: String?

    @Option(help: "Group (name or gid) that owns the taps.")
    var tapGroup: String?

    @Option(help: "Least severe log level written to standard error.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log lines as text (key=value metadata) or as one JSON object per line.")
    var logFormat: LogFormat = .text

    func validate() throws {
        if let mtu, !Limits.mtu.contains(mtu) {
            throw ValidationError("--mtu must be between \(Limits.mtu.lowerBound) and \(Limits.mtu.upperBound), got \(mtu)")
        }
    }

    /// The reconciler's configuration from these options.
    func configuration() throws -> AgentConfiguration {
        AgentConfiguration(sysfsRoot: sysfsRoot, stateDirectory: stateDirectory, mtuOverride: mtu,
                           tapOwner: try tapOwner.map { try Self.userID($0) }, tapGroup: try tapGroup.map { try Self.groupID($0) })
    }

    /// Sends logs to standard error in the chosen format and returns the agent's logger.
    func bootstrapLogging() -> Logger {
        logFormat.bootstrap(level: logLevel)
        return Logger(label: "plumb.agent")
    }

    private static func userID(_ value: String) throws -> UInt32 {
        if let id = UInt32(value) { return id }
        guard let entry = getpwnam(value) else { throw ValidationError("--tap-owner: no user named \(value)") }
        return entry.pointee.pw_uid
    }

    private static func groupID(_ value: String) throws -> UInt32 {
        if let id = UInt32(value) { return id }
        guard let entry = getgrnam(value) else { throw ValidationError("--tap-group: no group named \(value)") }
        return entry.pointee.gr_gid
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
