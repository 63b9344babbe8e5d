import PlumbHTTPClient
import PlumbModel

extension DesiredStateLoop {
    /// Why a request to the controller got no usable answer.
    public enum Failure: Equatable, Sendable, CustomStringConvertible {
        /// No HTTP answer: refused, timed out, TLS failure.
        case transport(String)
        /// An HTTP error status with the controller's message.
        case status(Int, String)
        /// A 2xx answer that is not the expected document.
        case invalidResponse(String)

        /// Classifies an error thrown by ``ControllerClient``.
        public init(_ error: Error) {
            switch error {
            case let error as HTTPClientError:
                self = .transport(error.description)
            case let error as APIError:
                self = .status(error.status, error.description)
            case let error as ControllerResponseError:
                self = .invalidResponse(error.description)
            default:
                self = .invalidResponse(String(describing: error))
            }
        }

        public var description: String {
            switch self {
            case .transport(let message): return "controller unreachable: \(message)"
            case .status(let status, let message): return "controller answered HTTP \(status): \(message)"
            case .invalidResponse(let message): return "controller answer not understood: \(message)"
            }
        }

        /// The message to stop with when retrying cannot help (the controller refused the token), else `nil`.
        var fatalMessage: String? {
            guard case .status(let status, let message) = self, status == 401 || status == 403 else { return nil }
            return "the controller refused this host's token (HTTP \(status): \(message)); "
                + "issue a new one with POST /v1/hosts/{name}/token and write it to the token file"
        }
    }
}
