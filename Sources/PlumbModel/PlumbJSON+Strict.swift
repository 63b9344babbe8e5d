import Foundation

/// Strict reading of wire documents: what the API takes is exactly what `controller/openapi.json`
/// describes, or a 400 naming the field.
///
/// The controller checks bodies as plain JSON with ``checkStrict(_:)`` and leaves the rest to the decoders
/// generated from the document; `decodeStrict` reads the same documents into the domain types where no
/// generated type is used yet (`plumbctl`'s input files), with the same refusals.
///
/// One mechanism for every body type, with no code per type: the body is parsed once as plain JSON
/// (nulls and control characters are refused there), decoded as the wire type, and encoded back. A
/// member that the decoded value does not write back is one the type did not read — a typo such as
/// `passthru` or a camelCase `allowLocal` — and is refused instead of silently becoming a default.
/// A type gaining an optional field (decoded with `decodeIfPresent`, encoded by the synthesized
/// `encode(to:)`) is covered without touching this file.
extension PlumbJSON {
    /// Decodes a request body as `T`, refusing malformed JSON, `null`, control characters, values
    /// of the wrong type and members `T` does not have, each as a 400 ``APIError`` naming the field.
    public static func decodeStrict<T: Codable>(_ type: T.Type, from data: Data) throws -> T {
        let tree: Any
        do {
            tree = try checkStrict(data)
        } catch let error as APIError where error == .malformedJSON {
            // JSONSerialization also gives up on numbers it cannot hold: the decoder then names the field.
            _ = try decode(type, from: data)
            throw error
        }
        let value: T
        do {
            value = try decode(type, from: data)
        } catch let error as APIError where error.code == APIError.malformedJSON.code {
            // Valid JSON that Foundation's decoder refuses without a path: a number its field cannot hold.
            throw APIError.invalid("body", "a number does not fit its field: integers must be whole numbers within their documented range")
        }
        let echoed = try JSONSerialization.jsonObject(with: encode(value), options: [.fragmentsAllowed])
        if let unread = firstUnread(tree, echoed, path: "") {
            throw APIError.invalid(unread, "is not a property of this object (see the API document for the allowed ones)")
        }
        return value
    }

    /// Parses a request body as plain JSON, refusing malformed JSON, `null` and control characters in strings
    /// and member names, each as a 400 ``APIError`` naming the first such field in document order.
    @discardableResult
    public static func checkStrict(_ data: Data) throws -> Any {
        let tree: Any
        do {
            tree = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw APIError.malformedJSON
        }
        try checkMembers(tree, path: "")
        return tree
    }

    /// Refuses `null` (no request field is nullable: omit a field for its default) and strings or
    /// member names holding control characters, naming the first such field in document order.
    private static func checkMembers(_ node: Any, path: String) throws {
        switch node {
        case is NSNull:
            throw APIError.invalid(path.isEmpty ? "body" : path, "must not be null; omit the field to get its default")
        case let text as String:
            try APIError.checkText(text, field: path.isEmpty ? "body" : path)
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                try checkMembers(element, path: "\(path)[\(index)]")
            }
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let field = path.isEmpty ? key : "\(path).\(key)"
                try APIError.checkText(key, field: path.isEmpty ? "body" : path)
                try checkMembers(object[key]!, path: field)
            }
        default:
            return
        }
    }

    /// The path of the first member of `given` that `echoed` (the decoded value written back) lacks.
    private static func firstUnread(_ given: Any, _ echoed: Any, path: String) -> String? {
        switch (given, echoed) {
        case let (given as [String: Any], echoed as [String: Any]):
            for key in given.keys.sorted() {
                let field = path.isEmpty ? key : "\(path).\(key)"
                guard let written = echoed[key] else { return field }
                if let unread = firstUnread(given[key]!, written, path: field) { return unread }
            }
            return nil
        case let (given as [Any], echoed as [Any]):
            for (index, (element, written)) in zip(given, echoed).enumerated() {
                if let unread = firstUnread(element, written, path: "\(path)[\(index)]") { return unread }
            }
            return nil
        default:
            return nil
        }
    }
}

extension APIError {
    /// 400 `malformed_json`: the body is not JSON at all.
    public static let malformedJSON = APIError(status: 400, code: "malformed_json", message: "the body is not valid JSON",
                                               field: "body")

    /// Throws a 400 naming `field` if `text` holds a NUL or any other control character (Unicode
    /// category Cc: U+0000–U+001F, U+007F–U+009F). Nothing the API takes may carry one: libpq cuts
    /// strings at a NUL, and names and messages end up in logs, kernels and shells.
    public static func checkText(_ text: String, field: String) throws {
        // Most text is clean: in UTF-8 a control character is a byte below 0x20, 0x7F, or 0xC2 followed by
        // 0x80–0x9F, so a string without those bytes needs no look at its scalars (a 3,000-hypervisor facility
        // holds about 100,000 strings).
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return }
        if let index = text.unicodeScalars.firstIndex(where: { $0.properties.generalCategory == .control }) {
            let scalar = text.unicodeScalars[index]
            let offset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: index)
            throw APIError.invalid(field, "must not hold control characters; found U+\(String(format: "%04X", scalar.value)) at position \(offset)")
        }
    }

    /// A value from a request, quoted for an error message: at most 40 characters, control
    /// characters shown as `\u{…}` so that an answer never carries them back.
    public static func quote<S: StringProtocol>(_ value: S) -> String {
        var result = "'"
        for scalar in value.prefix(40).unicodeScalars {
            result += scalar.properties.generalCategory == .control ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
        return result + (value.count > 40 ? "…'" : "'")
    }
}

/// Marks a `DecodingError` raised by Plumb's own wire types, whose text is written for the API's
/// callers; any other decoding error's text is Foundation's and is not shown to them.
public struct WireValueRefusal: Error {}

extension DecodingError {
    /// A refusal of a single value, with a message for the API's caller.
    public static func wireValue(in container: SingleValueDecodingContainer, _ message: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: container.codingPath, debugDescription: message,
                                             underlyingError: WireValueRefusal()))
    }
}

extension RawRepresentable where Self: CaseIterable, RawValue == String {
    /// Decodes one of the cases, refusing anything else with the list of allowed values.
    public static func decodeCase(from decoder: Decoder) throws -> Self {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            let allowed = allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.wireValue(in: container, "must be one of \(allowed), got \(APIError.quote(text))")
        }
        return value
    }
}
