import Foundation

/// Writes wire JSON byte for byte as ``PlumbJSON/encode(_:)`` does — compact, keys sorted, strings escaped as
/// Foundation escapes them — several times faster: members are kept in arrays and written once, where
/// Foundation's encoder keeps every object in a dictionary and tracks every coding path.
///
/// It is for the documents too large for Foundation's encoder at the rate they change (a facility of thousands of
/// hypervisors, megabytes, on every change), and writes what those hold: strings, integers, booleans, null,
/// arrays and objects. Any other value (a `Double`, a `Date`, `Data`, a `URL`, a `Decimal`, which Foundation
/// formats in ways of its own) is refused with `EncodingError.invalidValue`, never written differently.
/// `WireJSONEncoderTests` holds the bytes equal to Foundation's.
public struct WireJSONEncoder: Sendable {
    public init() {}

    /// The value's wire JSON.
    public func encode<T: Encodable>(_ value: T) throws -> Data {
        guard let root = try WireJSONValue.encoded(value, at: nil) else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        root.write(into: &bytes)
        return Data(bytes)
    }
}

/// A value as encoded, before it is written: objects keep their members in the order encoded and are sorted
/// when written.
enum WireJSONValue {
    case null
    case bool(Bool)
    case signed(Int64)
    case unsigned(UInt64)
    case string(String)
    case object(WireJSONObject)
    case array(WireJSONArray)
    /// What a super encoder holds: known only once the caller has encoded through it.
    case deferred(WireJSONTreeEncoder)

    /// A value encoded on its own; one that encodes nothing is `{}`, as Foundation writes it.
    static func of<T: Encodable>(_ value: T, at path: @autoclosure () -> WireJSONPath?) throws -> WireJSONValue {
        try encoded(value, at: path()) ?? .object(WireJSONObject())
    }

    /// A value encoded on its own, nil when it encoded nothing: strings, integers and booleans directly, everything
    /// else through an encoder of its own. The path is made only for such an encoder.
    static func encoded<T: Encodable>(_ value: T, at path: @autoclosure () -> WireJSONPath?) throws -> WireJSONValue? {
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int.self { return .signed(Int64(value as! Int)) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        let path = path()
        if T.self == Double.self || T.self == Float.self || T.self == Date.self || T.self == Data.self || T.self == URL.self
            || T.self == Decimal.self {
            throw unsupported(value, at: path)
        }
        let encoder = WireJSONTreeEncoder(path: path)
        try value.encode(to: encoder)
        return encoder.value
    }

    /// The refusal of a value Foundation writes in a way of its own.
    static func unsupported(_ value: Any, at path: WireJSONPath?) -> EncodingError {
        EncodingError.invalidValue(value, EncodingError.Context(
            codingPath: path?.keys ?? [], debugDescription: "WireJSONEncoder does not write \(type(of: value)) values"))
    }

    func write(into bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .signed(let integer): bytes.append(contentsOf: String(integer).utf8)
        case .unsigned(let integer): bytes.append(contentsOf: String(integer).utf8)
        case .string(let string): Self.writeString(string, into: &bytes)
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in object.sortedMembers().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                member.value.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let array):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in array.elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .deferred(let encoder):
            (encoder.value ?? .object(WireJSONObject())).write(into: &bytes)
        }
    }

    /// A JSON string as Foundation writes it: `"`, `\` and `/` escaped, control characters as `\b \t \n \f \r`
    /// or `\u00xx`, everything else as its UTF-8.
    static func writeString(_ string: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = string.utf8
        guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") })
        else {  // most strings (names, addresses) have nothing to escape
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x08: bytes.append(contentsOf: #"\b"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0C: bytes.append(contentsOf: #"\f"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case ..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// An object's members as encoded.
final class WireJSONObject {
    var members: [(key: String, value: WireJSONValue)] = []

    /// The members sorted by key, as Foundation's `.sortedKeys` orders them (keys compared as strings); a key
    /// encoded twice keeps its last value, as Foundation's does (the standard library's sort is stable).
    func sortedMembers() -> [(key: String, value: WireJSONValue)] {
        var sorted = members
        sorted.sort { $0.key < $1.key }
        guard sorted.indices.dropFirst().contains(where: { sorted[$0 - 1].key == sorted[$0].key }) else { return sorted }
        return sorted.indices.filter { $0 + 1 == sorted.count || sorted[$0 + 1].key != sorted[$0].key }.map { sorted[$0] }
    }
}

/// An array's elements as encoded.
final class WireJSONArray {
    var elements: [WireJSONValue] = []
}

/// Where a value is, for errors: a key and the path of its container. Linked, so that a value's path costs one
/// link and its array of keys is made only when asked for.
final class WireJSONPath {
    let parent: WireJSONPath?
    let key: any CodingKey

    init(_ parent: WireJSONPath?, _ key: any CodingKey) {
        self.parent = parent
        self.key = key
    }

    var keys: [any CodingKey] { (parent?.keys ?? []) + [key] }
}

/// The `Encoder` one value encodes itself through; what it encoded is ``value``.
final class WireJSONTreeEncoder: Encoder {
    let path: WireJSONPath?
    var value: WireJSONValue?

    init(path: WireJSONPath?) { self.path = path }

    var codingPath: [any CodingKey] { path?.keys ?? [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object(let object) = value { return KeyedEncodingContainer(WireJSONKeyedContainer(object: object, path: path)) }
        let object = WireJSONObject()
        value = .object(object)
        return KeyedEncodingContainer(WireJSONKeyedContainer(object: object, path: path))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array(let array) = value { return WireJSONUnkeyedContainer(array: array, path: path) }
        let array = WireJSONArray()
        value = .array(array)
        return WireJSONUnkeyedContainer(array: array, path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { WireJSONSingleValueContainer(encoder: self) }
}

private struct WireJSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: WireJSONObject
    let path: WireJSONPath?
    var codingPath: [any CodingKey] { path?.keys ?? [] }

    private func add(_ key: Key, _ value: WireJSONValue) { object.members.append((key.stringValue, value)) }

    mutating func encodeNil(forKey key: Key) throws { add(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { add(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { add(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { throw WireJSONValue.unsupported(value, at: WireJSONPath(path, key)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { throw WireJSONValue.unsupported(value, at: WireJSONPath(path, key)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { add(key, .signed(Int64(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { add(key, .signed(Int64(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { add(key, .signed(Int64(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { add(key, .signed(Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { add(key, .signed(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { add(key, .unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { add(key, .unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { add(key, .unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { add(key, .unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { add(key, .unsigned(value)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        add(key, try WireJSONValue.of(value, at: WireJSONPath(path, key)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> {
        let nested = WireJSONObject()
        add(key, .object(nested))
        return KeyedEncodingContainer(WireJSONKeyedContainer<NestedKey>(object: nested, path: WireJSONPath(path, key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = WireJSONArray()
        add(key, .array(nested))
        return WireJSONUnkeyedContainer(array: nested, path: WireJSONPath(path, key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(at: WireJSONKey(name: "super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(at: key) }

    private func superEncoder(at key: any CodingKey) -> any Encoder {
        let encoder = WireJSONTreeEncoder(path: WireJSONPath(path, key))
        object.members.append((key.stringValue, .deferred(encoder)))
        return encoder
    }
}

private struct WireJSONUnkeyedContainer: UnkeyedEncodingContainer {
    let array: WireJSONArray
    let path: WireJSONPath?
    var codingPath: [any CodingKey] { path?.keys ?? [] }
    var count: Int { array.elements.count }

    /// The path of the element encoded next.
    private var next: WireJSONPath { WireJSONPath(path, WireJSONKey(index: array.elements.count)) }

    mutating func encodeNil() throws { array.elements.append(.null) }
    mutating func encode(_ value: Bool) throws { array.elements.append(.bool(value)) }
    mutating func encode(_ value: String) throws { array.elements.append(.string(value)) }
    mutating func encode(_ value: Double) throws { throw WireJSONValue.unsupported(value, at: next) }
    mutating func encode(_ value: Float) throws { throw WireJSONValue.unsupported(value, at: next) }
    mutating func encode(_ value: Int) throws { array.elements.append(.signed(Int64(value))) }
    mutating func encode(_ value: Int8) throws { array.elements.append(.signed(Int64(value))) }
    mutating func encode(_ value: Int16) throws { array.elements.append(.signed(Int64(value))) }
    mutating func encode(_ value: Int32) throws { array.elements.append(.signed(Int64(value))) }
    mutating func encode(_ value: Int64) throws { array.elements.append(.signed(value)) }
    mutating func encode(_ value: UInt) throws { array.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { array.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { array.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { array.elements.append(.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { array.elements.append(.unsigned(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let element = try WireJSONValue.of(value, at: next)
        array.elements.append(element)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = next
        let nested = WireJSONObject()
        array.elements.append(.object(nested))
        return KeyedEncodingContainer(WireJSONKeyedContainer<NestedKey>(object: nested, path: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = next
        let nested = WireJSONArray()
        array.elements.append(.array(nested))
        return WireJSONUnkeyedContainer(array: nested, path: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = WireJSONTreeEncoder(path: next)
        array.elements.append(.deferred(encoder))
        return encoder
    }
}

private struct WireJSONSingleValueContainer: SingleValueEncodingContainer {
    let encoder: WireJSONTreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.value = .null }
    mutating func encode(_ value: Bool) throws { encoder.value = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.value = .string(value) }
    mutating func encode(_ value: Double) throws { throw WireJSONValue.unsupported(value, at: encoder.path) }
    mutating func encode(_ value: Float) throws { throw WireJSONValue.unsupported(value, at: encoder.path) }
    mutating func encode(_ value: Int) throws { encoder.value = .signed(Int64(value)) }
    mutating func encode(_ value: Int8) throws { encoder.value = .signed(Int64(value)) }
    mutating func encode(_ value: Int16) throws { encoder.value = .signed(Int64(value)) }
    mutating func encode(_ value: Int32) throws { encoder.value = .signed(Int64(value)) }
    mutating func encode(_ value: Int64) throws { encoder.value = .signed(value) }
    mutating func encode(_ value: UInt) throws { encoder.value = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.value = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.value = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.value = .unsigned(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.value = .unsigned(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.value = try WireJSONValue.of(value, at: encoder.path) }
}

/// A coding key the encoder makes itself: an array position (named as Foundation names it) or `super`.
private struct WireJSONKey: CodingKey {
    let intValue: Int?
    private let name: String?

    init(name: String) { self.name = name; intValue = nil }
    init(index: Int) { name = nil; intValue = index }
    init?(stringValue: String) { self.init(name: stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }

    var stringValue: String { name ?? "Index \(intValue ?? 0)" }
}
