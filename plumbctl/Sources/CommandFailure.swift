import ArgumentParser
import Foundation
import PlumbHTTPClient
import PlumbModel

/// Why plumbctl stops: a message for standard error and the exit status scripts can tell apart.
struct CommandFailure: Error, CustomStringConvertible {
    enum Code: Int32 {
        case refused = 1
        case inputInvalid = 65
        case inputUnreadable = 66
        case unavailable = 69
        case timedOut = 75
        case permission = 77
        case configuration = 78
    }

    var code: Code
    var message: String

    var description: String { "plumbctl: \(message)" }

    /// The failure for any error a command may throw while talking to the controller at `controller`.
    init(_ error: Error, controller: String) {
        switch error {
        case let failure as CommandFailure:
            self = failure
        case let error as HTTPClientError where error.isConnectionRefused:
            self.init(code: .unavailable, message: "cannot reach the controller at \(controller): connection refused "
                      + "(is plumb-controller running there? set --controller or PLUMB_CONTROLLER)")
        case let error as HTTPClientError:
            self.init(code: .unavailable, message: "cannot reach the controller at \(controller): \(error.message)")
        case let error as APIError where error.status == 401 || error.status == 403:
            self.init(code: .permission, message: "the controller refused the token (HTTP \(error.status) \(error.code)): \(error.message)")
        case let error as APIError where error.status >= 500:
            self.init(code: .unavailable, message: "the controller failed (HTTP \(error.status) \(error.code)): \(error.message)")
        case let error as APIError:
            let field = error.field.map { " in \($0)" } ?? ""
            self.init(code: .refused, message: "refused (HTTP \(error.status) \(error.code))\(field): \(error.message)")
        case let error as ControllerResponseError:
            self.init(code: .unavailable, message: error.description)
        default:
            self.init(code: .unavailable, message: "\(error)")
        }
    }

    init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}

extension ParsableCommand {
    /// Runs `body`; any failure is written to standard error and ends plumbctl with its exit status.
    func reportingFailures(controller: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            let failure = CommandFailure(error, controller: controller)
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw ExitCode(failure.code.rawValue)
        }
    }
}
