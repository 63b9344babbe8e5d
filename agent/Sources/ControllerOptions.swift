import ArgumentParser
import Logging
import PlumbHTTPClient
import PlumbModel

/// How to reach the controller as this host.
struct ControllerOptions: ParsableArguments {
    @Option(help: "The controller's base URL, e.g. https://plumb.example.net:8443.")
    var controller: String?

    @Option(help: "This host's name as the facility declares it.")
    var host: String?

    @Option(help: "File holding this host's bearer token (mode 0600 or 0640).")
    var tokenFile: String?

    @Option(help: "PEM file of CA certificates for an HTTPS controller (default: the system store).")
    var caFile: String?

    @Option(help: "Seconds to wait for a connection to the controller.")
    var connectTimeout = 5

    /// True when any way of reaching the controller was given.
    var isGiven: Bool { controller != nil || host != nil || tokenFile != nil }

    /// Checks that the controller, the host (unless the caller names it otherwise, as a leaf does) and the token file
    /// are all given.
    func validateComplete(requiringHost: Bool = true) throws {
        let required = [(controller, "--controller"), (tokenFile, "--token-file")] + (requiringHost ? [(host, "--host")] : [])
        for (value, option) in required where value == nil {
            throw ValidationError("\(option) is required")
        }
        if let controller, !(controller.hasPrefix("http://") || controller.hasPrefix("https://")) {
            throw ValidationError("--controller must be an http:// or https:// URL, got \(controller)")
        }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
    }

    /// A controller client carrying the host's token; exits with 78 when the token file is unusable.
    func client(logger: Logger, requiringHost: Bool = true) throws -> ControllerClient {
        try validateComplete(requiringHost: requiringHost)
        let token: String
        do {
            token = try TokenFile.read(path: tokenFile!)
        } catch {
            throw AgentExit(code: .configuration, message: "\(error)")
        }
        let configuration = HTTPClientConfiguration(connectTimeout: .seconds(connectTimeout), caFile: caFile, bearerToken: token,
                                                    userAgent: "plumb-agent/\(PlumbAgentCommand.version)")
        return ControllerClient(baseURL: controller!, configuration: configuration, logger: logger)
    }
}
