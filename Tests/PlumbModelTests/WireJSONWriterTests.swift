import Foundation
import PlumbModel
import XCTest

/// `WireJSONWriter` writes what Foundation's encoder writes with ``PlumbJSON``'s settings.
final class WireJSONWriterTests: XCTestCase {
    func testStringsAreEscapedAsFoundationEscapesThem() throws {
        let everyASCII = String(String.UnicodeScalarView((0..<0x80).map { Unicode.Scalar(UInt8($0)) }))
        let strings = [everyASCII, "", "plain", "é\u{2028}\u{2029}😀 a/b \"q\" back\\slash"]
        var json = WireJSONWriter()
        json.beginArray()
        strings.forEach { json.string($0) }
        json.endArray()
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), String(decoding: try PlumbJSON.encode(strings), as: UTF8.self))
    }

    private struct Sample: Encodable {
        var a: [[Int]]
        var b: Bool
        var c: [String: Int]
        var d: Int
    }

    func testObjectsArraysAndScalarsAreWrittenAsFoundationWritesThem() throws {
        let sample = Sample(a: [[], [1, -2], [Int.min, Int.max]], b: false, c: ["k": 1, "l": 2], d: 0)
        var json = WireJSONWriter()
        json.beginObject()
        json.key("a")
        json.beginArray()
        sample.a.forEach { json.integers($0) }
        json.endArray()
        json.key("b")
        json.bool(sample.b)
        json.key("c")
        json.beginObject()
        json.key("k")
        json.integer(1)
        json.key("l")
        json.integer(2)
        json.endObject()
        json.key("d")
        json.integer(sample.d)
        json.endObject()
        XCTAssertEqual(String(decoding: json.bytes, as: UTF8.self), String(decoding: try PlumbJSON.encode(sample), as: UTF8.self))

        var empty = WireJSONWriter()
        empty.beginArray()
        empty.beginObject()
        empty.endObject()
        empty.bool(true)
        empty.endArray()
        XCTAssertEqual(String(decoding: empty.bytes, as: UTF8.self), "[{},true]")
    }
}
