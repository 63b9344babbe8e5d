import Foundation

/// The one error shape of the Plumb API:
/// `{"error": {"code": "...", "message": "...", "field": "...", "pool": "..."}}` with an HTTP status.
public struct APIError: Error, Codable, Equatable, Sendable, CustomStringConvertible {
    /// HTTP status code the error is served with (not part of the JSON body).
    public var status: Int
    /// Machine-readable reason, e.g. `invalid_field`, `vf_limit`, `pool_exhausted`.
    public var code: String
    /// What went wrong, for a person.
    public var message: String
    /// The field the error is about, as a path like `vms[2].nics[0].mac`.
    public var field: String?
    /// For `pool_exhausted`: the pool that ran out, as ``PoolName`` writes it (`vni`, `mac`, `vlan:leaf0`,
    /// `vf:hv1`, `passthrough:hv1`).
    public var pool: String?

    public init(status: Int, code: String, message: String, field: String? = nil, pool: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.pool = pool
    }

    public var description: String {
        if let field { return "\(code) (\(field)): \(message)" }
        return "\(code): \(message)"
    }

    private enum CodingKeys: String, CodingKey { case code, message, field, pool }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = 0
        code = try container.decode(String.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        field = try container.decodeIfPresent(String.self, forKey: .field)
        pool = try container.decodeIfPresent(String.self, forKey: .pool)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encodeIfPresent(pool, forKey: .pool)
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

    /// 422 `inconsistent_field`: the field is well-formed — the API document allows it — but does not
    /// fit the rest of the request or the facility: a duplicate, a reference to something unknown,
    /// a range whose first is above its last. (400 is kept for what the document itself refuses.)
    public static func inconsistent(_ field: String, _ message: String) -> APIError {
        APIError(status: 422, code: "inconsistent_field", message: message, field: field)
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

    /// Maps a Foundation decoding error to a 400 naming the field path. Only messages written by
    /// Plumb's own wire types (``WireValueRefusal``) are passed on; Foundation's own texts are not.
    public init(decoding error: DecodingError) {
        switch error {
        case .typeMismatch(let type, let context):
            self = .invalid(Self.fieldPath(context.codingPath) ?? "body", "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self = .invalid(Self.fieldPath(context.codingPath) ?? "body", "expected \(Self.describe(type)), found null")
        case .keyNotFound(let key, let context):
            let field = Self.fieldPath(context.codingPath + [key]) ?? key.stringValue
            self = .invalid(field, "is required")
        case .dataCorrupted(let context):
            if let field = Self.fieldPath(context.codingPath) {
                self = .invalid(field, context.underlyingError is WireValueRefusal
                    ? context.debugDescription : "is not a value this field can hold (a number out of range?)")
            } else {
                self = .malformedJSON
            }
        @unknown default:
            self = APIError(status: 400, code: "malformed_json", message: "the body could not be decoded", field: "body")
        }
    }

    /// A coding path as the API names fields: `vms[2].nics[0].mac`; nil for the top level.
    public static func fieldPath(_ codingPath: [CodingKey]) -> String? {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result.isEmpty ? nil : result
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
}

extension APIError {
    /// 409 `pool_exhausted`: `pool` has no free value for what `field` of the request needs.
    public static func poolExhausted(_ pool: PoolName, _ message: String, field: String) -> APIError {
        APIError(status: 409, code: "pool_exhausted", message: message, field: field, pool: pool.description)
    }
}

/// A pool of identifiers, as a `pool_exhausted` refusal names it: testbed-wide pools by their kind, the others with
/// the leaf or hypervisor they belong to.
public enum PoolName: Sendable, Equatable, CustomStringConvertible {
    case vni, mac
    case vlan(leaf: String)
    case vf(hypervisor: String)
    case passthrough(hypervisor: String)

    public var description: String {
        switch self {
        case .vni: return "vni"
        case .mac: return "mac"
        case .vlan(let leaf): return "vlan:\(leaf)"
        case .vf(let hypervisor): return "vf:\(hypervisor)"
        case .passthrough(let hypervisor): return "passthrough:\(hypervisor)"
        }
    }
}
