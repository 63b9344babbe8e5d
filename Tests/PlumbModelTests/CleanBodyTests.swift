import Foundation
import PlumbModel
import XCTest

/// ``PlumbJSON/isCertainlyClean(_:)``: never says clean when strict decoding would refuse a null or a control
/// character; says clean for ordinary bodies.
final class CleanBodyTests: XCTestCase {
    private func clean(_ text: String) -> Bool { PlumbJSON.isCertainlyClean(Data(text.utf8)) }

    func testOrdinaryBodiesAreClean() {
        XCTAssertTrue(clean(#"{"name": "hv0", "nics": [{"name": "eno1", "vf_limit": 32}],\#n "ok": true}"#))
        XCTAssertTrue(clean(#"{"city": "Zürich", "note": "日本", "nu": "nul", "n": 1}"#))
        XCTAssertTrue(clean(""))
    }

    func testAnythingThatCouldHoldANullOrAControlCharacterIsLookedAtCloser() {
        for text in [#"{"a": null}"#, #"{"a": "x\u0000y"}"#, #"{"a": "line\nbreak"}"#, #"{"a": "\""}"#,
                     "{\"a\": \"\u{7F}\"}", "{\"a\": \"\u{85}\"}", "{\"a\": \"\u{1}\"}", #"{"null": 1}"#, "null"] {
            XCTAssertFalse(clean(text), text)
        }
    }

    func testEveryBodyStrictDecodingRefusesForNullOrControlCharactersIsNotClean() throws {
        // The slow check is the reference: whatever it refuses, the fast one must not call clean.
        let values = ["null", #""a\u0001""#, #""\u009f""#, "\"\u{9F}\"", #""\t""#, #""\u007F""#]
        for value in values {
            let body = Data(#"{"k": \#(value)}"#.utf8)
            XCTAssertThrowsError(try PlumbJSON.decodeStrict([String: String].self, from: body), value)
            XCTAssertFalse(PlumbJSON.isCertainlyClean(body), value)
        }
    }
}
