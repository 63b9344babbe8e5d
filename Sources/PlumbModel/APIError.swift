import Foundation

/// The one error shape of the Plumb API:
/// `{"error": {"code": "...", "message": "...", "field": "..."}}` with an HTTP status.
public struct APIError: Error, Codable, Equatable, Sendable, CustomStringConvertible {
    /// HTTP status code the error is served with (not part of the JSON body).
    public var status: Int
    /// Machine-readable reason, e.g. `invalid_field`, `vf_limit`, `pool_exhausted`.
    public var code: String
    /// What went wrong, for a person.
    public var message: String
    /// The field the error is about, as a path like `vms[2].nics[0].mac`.
    public var field: String?

    public init(status: Int, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String {
        if let field { return "\(code) (\(field)): \(message)" }
        return "\(code): \(message)"
    }

    private enum CodingKeys: String, CodingKey { case code, message, field }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = 0
        code = try container.decode(String.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        field = try container.decodeIfPresent(String.self, forKey: .field)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(field, forKey: .field)
    }

    /// The `{"error": ...}` envelope.
    public struct Envelope: Codable, Sendable {
        public var error: APIError
        public init(error: APIError) { self.error = error }
    }
}

extension APIError {
    /// 400: a field has a value that is not allowed.
    public static func invalid(_ field: String, _ message: String) -> APIError {
        APIError(status: 400, code: "invalid_field", message: message, field: field)
    }

    /// 404: the named thing does not exist.
    public static func notFound(_ message: String, field: String? = nil) -> APIError {
        APIError(status: 404, code: "not_found", message: message, field: field)
    }

    /// 409: the request conflicts with the current state.
    public static func conflict(_ code: String, _ message: String, field: String? = nil) -> APIError {
        APIError(status: 409, code: code, message: message, field: field)
    }

    /// 422: the request is well-formed but a rule of Plumb refuses it.
    public static func refused(_ code: String, _ message: String, field: String? = nil) -> APIError {
        APIError(status: 422, code: code, message: message, field: field)
    }

    /// Maps a Foundation decoding error to a 400 naming the field path.
    public init(decoding error: DecodingError) {
        func path(_ codingPath: [CodingKey]) -> String? {
            var result = ""
            for key in codingPath {
                if let index = key.intValue {
                    result += "[\(index)]"
                } else {
                    let name = Self.snakeCase(key.stringValue)
                    result += result.isEmpty ? name : ".\(name)"
                }
            }
            return result.isEmpty ? nil : result
        }
        switch error {
        case .typeMismatch(let type, let context):
            self = .invalid(path(context.codingPath) ?? "body", "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self = .invalid(path(context.codingPath) ?? "body", "expected \(Self.describe(type)), found null")
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key]) ?? Self.snakeCase(key.stringValue)
            self = .invalid(field, "is required")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self = APIError(status: 400, code: "malformed_json", message: "the body is not valid JSON", field: "body")
            } else {
                self = .invalid(path(context.codingPath) ?? "body", context.debugDescription)
            }
        @unknown default:
            self = APIError(status: 400, code: "malformed_json", message: "the body could not be decoded", field: "body")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt32.Type, is UInt16.Type: return "an integer"
        case is Double.Type: return "a number"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
