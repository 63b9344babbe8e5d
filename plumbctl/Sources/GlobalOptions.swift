import ArgumentParser
import Foundation
import PlumbHTTPClient
import PlumbModel

/// Options every command takes: where the controller is, the admin token, and the output format.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The controller's base URL (env PLUMB_CONTROLLER).", valueName: "url"))
    var controller = ProcessInfo.processInfo.environment["PLUMB_CONTROLLER"] ?? "http://127.0.0.1:8470"

    @Option(help: ArgumentHelp("File holding the admin bearer token (env PLUMB_TOKEN_FILE).", valueName: "file"))
    var tokenFile = ProcessInfo.processInfo.environment["PLUMB_TOKEN_FILE"] ?? "/var/lib/plumb/admin.token"

    @Flag(help: "Print the API's JSON documents instead of tables.")
    var json = false

    func validate() throws {
        guard controller.hasPrefix("http://") || controller.hasPrefix("https://") else {
            throw ValidationError("--controller must be an http:// or https:// URL, got \(controller)")
        }
    }

    /// A client carrying the admin token.
    func client() throws -> ControllerClient {
        let token: String
        do {
            token = try TokenFile.read(path: tokenFile)
        } catch {
            throw CommandFailure(code: .configuration, message: "\(error) (set --token-file or PLUMB_TOKEN_FILE)")
        }
        let configuration = HTTPClientConfiguration(connectTimeout: .seconds(5), totalTimeout: .seconds(60), bearerToken: token,
                                                    userAgent: "plumbctl")
        return ControllerClient(baseURL: controller, configuration: configuration)
    }

    /// Writes `value` as pretty-printed wire JSON to standard output.
    func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = PlumbJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
