import Foundation
import PlumbModel
import XCTest

/// `WireJSONEncoder` writes what Foundation's encoder writes with ``PlumbJSON``'s settings, byte for byte, and refuses
/// what it does not write.
final class WireJSONEncoderTests: XCTestCase {
    private func assertSameBytes<T: Encodable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let ours = try WireJSONEncoder().encode(value)
        let foundations = try PlumbJSON.encode(value)
        XCTAssertEqual(String(decoding: ours, as: UTF8.self), String(decoding: foundations, as: UTF8.self), file: file, line: line)
    }

    func testStringsAreEscapedAsFoundationEscapesThem() throws {
        let everyASCII = String(String.UnicodeScalarView((0..<0x80).map { Unicode.Scalar(UInt8($0)) }))
        try assertSameBytes([everyASCII, "", "é\u{2028}\u{2029}😀 a/b \"q\" back\\slash"])
        try assertSameBytes(["key \"/\\\u{1}": "value"])
    }

    func testKeysAreSortedAsFoundationSortsThem() throws {
        try assertSameBytes(["b": 1, "a_b": 2, "a": 3, "A": 4, "a2": 5, "a10": 6, "_": 7, "": 8])
    }

    private struct Everything: Encodable {
        var name = "x"
        var missing: String? = nil
        var present: Int? = 3
        var flags = [true, false]
        var gaps: [Int?] = [1, nil, 3]
        var nested = [[Int]]([[], [1, 2]])
        var small: Int8 = -8
        var wide: Int64 = .min
        var unsigned: UInt64 = .max
        var byte: UInt8 = 255
        var address = IPv4Address("10.0.0.1")!
        var protocols: [VLANProtocol] = [.dot1ad, .dot1q]
        var nothing = EncodesNothing()
        var byName: [String: [String: Int]] = ["z": ["b": 2, "a": 1], "y": [:]]
    }

    private struct EncodesNothing: Encodable {
        func encode(to encoder: Encoder) throws {}
    }

    func testEveryKindOfMemberIsWrittenAsFoundationWritesIt() throws {
        try assertSameBytes(Everything())
        try assertSameBytes([Everything(), Everything(name: "y", present: nil, gaps: [])])
        XCTAssertThrowsError(try PlumbJSON.encode(EncodesNothing()))  // nothing at the top is refused by both
        XCTAssertThrowsError(try WireJSONEncoder().encode(EncodesNothing())) { error in
            guard case EncodingError.invalidValue = error else { return XCTFail("\(error)") }
        }
        try assertSameBytes([Int]())
        try assertSameBytes("top-level string")
        try assertSameBytes(42)
    }

    /// Written through nested containers and a super encoder, and with a key encoded twice.
    private struct ByHand: Encodable {
        enum Keys: String, CodingKey { case outer, list, twice }
        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .twice)
            var outer = container.nestedContainer(keyedBy: Keys.self, forKey: .outer)
            try outer.encodeNil(forKey: .list)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode("a")
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode(true, forKey: .twice)
            var deeper = list.nestedUnkeyedContainer()
            try deeper.encodeNil()
            try "through super".encode(to: container.superEncoder())
            try container.encode(2, forKey: .twice)
        }
    }

    func testNestedContainersSuperEncodersAndRepeatedKeys() throws {
        try assertSameBytes(ByHand())
    }

    func testValuesFoundationFormatsItsOwnWayAreRefusedWithTheirPath() throws {
        struct Holder<Value: Encodable>: Encodable {
            var values: [String: [Value]]
        }
        let refused: [(String, () throws -> Data)] = [
            ("Double", { try WireJSONEncoder().encode(Holder(values: ["k": [1.5]])) }),
            ("Float", { try WireJSONEncoder().encode(Holder(values: ["k": [Float(1)]])) }),
            ("Date", { try WireJSONEncoder().encode(Holder(values: ["k": [Date()]])) }),
            ("Data", { try WireJSONEncoder().encode(Holder(values: ["k": [Data([1])]])) }),
            ("URL", { try WireJSONEncoder().encode(Holder(values: ["k": [URL(string: "http://x")!]])) }),
            ("Decimal", { try WireJSONEncoder().encode(Holder(values: ["k": [Decimal(1)]])) }),
        ]
        for (name, encode) in refused {
            XCTAssertThrowsError(try encode(), name) { error in
                guard case EncodingError.invalidValue(_, let context) = error else { return XCTFail("\(name): \(error)") }
                XCTAssertEqual(context.codingPath.map(\.stringValue), ["values", "k", "Index 0"], name)
                XCTAssertTrue(context.debugDescription.contains(name), context.debugDescription)
            }
        }
    }
}
