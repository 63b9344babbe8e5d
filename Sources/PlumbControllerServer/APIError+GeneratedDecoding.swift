import PlumbAPI
import PlumbModel

extension APIError {
    /// The 400 for input the generated decoders refuse, naming the field (`vms[0].nics[1].passthru`) and never
    /// quoting the decoder's own words: a member the document does not have, a value not of an enumeration, a
    /// wrong type, a missing member.
    init(generatedDecoding error: DecodingError) {
        guard case .dataCorrupted(let context) = error, let last = context.codingPath.last else {
            self.init(decoding: error)
            return
        }
        let text = context.debugDescription
        if text.hasPrefix("Additional properties are disabled") {
            // OpenAPIRuntime's `ensureNoAdditionalProperties` (`additionalProperties: false`) puts the unknown member
            // last in the coding path, spelt as sent.
            let field = (Self.fieldPath(context.codingPath.dropLast()).map { $0 + "." } ?? "") + last.stringValue
            self = .invalid(field, "is not a property of this object (see the API document for the allowed ones)")
        } else if let (type, value) = Self.invalidCase(text), let values = Self.enumerations[type], let field = Self.fieldPath(context.codingPath) {
            self = .invalid(field, "must be one of \(values.joined(separator: ", ")), got \(APIError.quote(value))")
        } else {
            self.init(decoding: error)
        }
    }

    /// The values of each enumeration a request body may hold, by the generated type's name.
    private static let enumerations: [String: [String]] = [
        "Mechanism": Components.Schemas.Mechanism.allCases.map(\.rawValue),
        "AttachmentKind": Components.Schemas.AttachmentKind.allCases.map(\.rawValue),
        "VLANProtocol": Components.Schemas.VLANProtocol.allCases.map(\.rawValue),
    ]

    /// The type and value of Swift's refusal of a string enumeration: "Cannot initialize T from invalid String value V".
    private static func invalidCase(_ text: String) -> (String, String)? {
        let prefix = "Cannot initialize ", middle = " from invalid String value "
        guard text.hasPrefix(prefix), let range = text.range(of: middle) else { return nil }
        return (String(text[text.index(text.startIndex, offsetBy: prefix.count)..<range.lowerBound]), String(text[range.upperBound...]))
    }
}
