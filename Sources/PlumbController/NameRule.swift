import PlumbModel

/// The shapes names may take in facilities and materializations.
public enum NameRule: Sendable, CaseIterable {
    /// Hosts, leaves, networks, VMs: 1–63 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
    case identifier
    /// Materialization ids (they appear in URLs): 1–128 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
    case materializationID
    /// Kernel interface names (PFs, underlay NICs, VM NIC names): 1–15 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
    case interface
    /// Leaf switch ports: 1–63 of `A-Z a-z 0-9 . _ - / :`, starting with a letter or digit.
    case port

    public var maximumLength: Int {
        switch self {
        case .identifier, .port: return 63
        case .materializationID: return 128
        case .interface: return Limits.interfaceNameLength
        }
    }

    /// The rule as a JSON Schema / ECMA-262 `pattern` (length included), as `controller/openapi.json`
    /// states it; a test checks that the document says exactly this.
    public var pattern: String {
        let others = self == .port ? "._:/-" : "._-"
        return "^[A-Za-z0-9][A-Za-z0-9\(others)]{0,\(maximumLength - 1)}$"
    }

    private func allows(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        case UInt8(ascii: "/"), UInt8(ascii: ":"):
            return self == .port
        default:
            return false
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }

    /// Throws a 400 naming `field` unless `name` follows this rule. The field is spelled only for a refusal: a facility
    /// of thousands of hypervisors checks hundreds of thousands of names.
    public func check(_ name: String, field: @autoclosure () -> String) throws {
        let bytes = name.utf8
        guard let first = bytes.first else { throw APIError.invalid(field(), "must not be empty") }
        guard bytes.count <= maximumLength else {
            throw APIError.invalid(field(), "\(APIError.quote(name)) is longer than \(maximumLength) characters")
        }
        guard Self.isAlphanumeric(first), bytes.allSatisfy(allows) else {
            let others = self == .port ? ". _ - / :" : ". _ -"
            throw APIError.invalid(field(), "\(APIError.quote(name)) must start with a letter or digit and hold only letters, digits and \(others)")
        }
    }
}
