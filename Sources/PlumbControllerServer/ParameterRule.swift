import Foundation
import PlumbAPI
import PlumbModel

/// What a typed path or query parameter of the document takes, checked before the generated code decodes it so
/// that a refusal names the parameter and says what it takes (the generated decoding reports neither).
enum ParameterRule {
    case integer(minimum: Int64?, meaning: String)
    case time
    case oneOf([String])

    /// The rule of each typed parameter, by name; the values of enumerations are the generated ones.
    static let byName: [String: ParameterRule] = [
        "after": .integer(minimum: 0, meaning: "a generation: an integer of at least 0"),
        "wait": .integer(minimum: 0, meaning: "a number of seconds: an integer of at least 0"),
        "vni": .integer(minimum: nil, meaning: "an integer"),
        "at": .time,
        "kind": .oneOf(Components.Schemas.HostKind.allCases.map(\.rawValue)),
        "format": .oneOf(Operations.VmAttachments.Input.Query.FormatPayload.allCases.map(\.rawValue)),
    ]

    /// Throws a 400 naming `field` when `value` is not what this rule takes.
    func check(_ value: String, field: String) throws {
        switch self {
        case .integer(let minimum, let meaning):
            guard let number = Int64(value), number >= minimum ?? .min else {
                throw APIError.invalid(field, "must be \(meaning), got \(APIError.quote(value))")
            }
        case .time:
            guard RFC3339Time.date(value) != nil else {
                throw APIError.invalid(field, "must be a time like 2026-03-03T14:00:00Z, got \(APIError.quote(value))")
            }
        case .oneOf(let values):
            guard values.contains(value) else {
                throw APIError.invalid(field, "must be one of \(values.joined(separator: ", ")), got \(APIError.quote(value))")
            }
        }
    }
}
