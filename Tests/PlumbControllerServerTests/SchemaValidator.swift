import Foundation

/// Checks JSON instances against the JSON Schema subset `controller/openapi.json` uses: `$ref`,
/// `type`, `enum`, `properties`, `required`, `additionalProperties: false`, `items`, `minimum`,
/// `maximum`, `maxLength`, `pattern`. Unknown keywords are ignored; an unknown `type` is a problem.
struct SchemaValidator {
    /// The whole OpenAPI document, for resolving `#/components/schemas/...`.
    let document: JSONValue

    /// Every way `instance` breaks `schema`, each as "path: problem"; empty when it conforms.
    func problems(_ instance: JSONValue, _ schema: JSONValue, at path: String = "$") -> [String] {
        guard let rules = schema.objectValue else { return ["\(path): schema is not an object"] }
        if let reference = rules["$ref"]?.stringValue {
            guard let resolved = resolve(reference) else { return ["\(path): unresolvable \(reference)"] }
            return problems(instance, resolved, at: path)
        }
        var found: [String] = []
        if let type = rules["type"]?.stringValue, !Self.has(instance, type: type) {
            return ["\(path): expected \(type), got \(String(describing: instance).prefix(80))"]
        }
        if let choices = rules["enum"]?.arrayValue, !choices.contains(instance) {
            found.append("\(path): \(String(describing: instance).prefix(80)) is not one of \(choices)")
        }
        if let minimum = rules["minimum"]?.numberValue, let value = instance.numberValue, value < minimum {
            found.append("\(path): \(value) < minimum \(minimum)")
        }
        if let maximum = rules["maximum"]?.numberValue, let value = instance.numberValue, value > maximum {
            found.append("\(path): \(value) > maximum \(maximum)")
        }
        if let text = instance.stringValue {
            if let maxLength = rules["maxLength"]?.numberValue, Double(text.count) > maxLength {
                found.append("\(path): '\(text)' longer than \(Int(maxLength))")
            }
            if let pattern = rules["pattern"]?.stringValue, text.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): '\(text)' does not match \(pattern)")
            }
        }
        if let members = instance.objectValue {
            let properties = rules["properties"]?.objectValue ?? [:]
            for required in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[required] == nil {
                found.append("\(path): missing required '\(required)'")
            }
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[key] {
                    found += problems(value, property, at: "\(path).\(key)")
                } else if rules["additionalProperties"] == .bool(false) {
                    found.append("\(path): '\(key)' is not in the schema")
                }
            }
        }
        if let items = instance.arrayValue, let itemSchema = rules["items"] {
            for (index, item) in items.enumerated() {
                found += problems(item, itemSchema, at: "\(path)[\(index)]")
            }
        }
        return found
    }

    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: JSONValue? = document
        for part in reference.dropFirst(2).split(separator: "/") {
            node = node?[String(part)]
        }
        return node
    }

    private static func has(_ instance: JSONValue, type: String) -> Bool {
        switch (type, instance) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("integer", .integer),
             ("number", .integer), ("number", .number), ("null", .null):
            return true
        default:
            return false
        }
    }
}
