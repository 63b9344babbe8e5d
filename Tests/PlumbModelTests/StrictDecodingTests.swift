import Foundation
import PlumbModel
import XCTest

/// ``PlumbJSON/decodeStrict(_:from:)``: the one way request bodies are read.
final class StrictDecodingTests: XCTestCase {
    private func refusal<T: Codable>(_ type: T.Type, _ json: String) -> APIError? {
        do {
            _ = try PlumbJSON.decodeStrict(type, from: Data(json.utf8))
            return nil
        } catch {
            return error as? APIError
        }
    }

    func testAValidBodyDecodesAsBefore() throws {
        let json = #"{"networks": [{"name": "a"}], "vms": [{"name": "v", "hypervisor": "h", "nics": [{"network": "a", "mechanism": "vfio"}]}]}"#
        let spec = try PlumbJSON.decodeStrict(MaterializationSpec.self, from: Data(json.utf8))
        XCTAssertEqual(spec, try PlumbJSON.decode(MaterializationSpec.self, from: Data(json.utf8)))
        XCTAssertEqual(spec.vms[0].nics[0].mechanism, .vfio)
    }

    func testUnknownAndCamelCaseMembersAreNamed() {
        XCTAssertEqual(refusal(Facility.NumberRange.self, #"{"first": 1, "last": 2, "lst": 3}"#)?.field, "lst")
        XCTAssertEqual(refusal(MaterializationSpec.Network.self, #"{"name": "a", "guestVlans": true}"#)?.field, "guestVlans")
        XCTAssertNil(refusal(MaterializationSpec.Network.self, #"{"name": "a", "guest_vlans": true}"#))
    }

    func testNullsControlCharactersAndForeignTextAreRefused() {
        XCTAssertEqual(refusal(HostStatusReport.self, #"{"applied_generation": 1, "errors": null}"#)?.field, "errors")
        XCTAssertEqual(refusal(HostStatusReport.self, #"{"applied_generation": 1, "agent_version": "a\tb"}"#)?.field, "agent_version")
        let fraction = refusal(HostStatusReport.self, #"{"applied_generation": 1.5}"#)
        XCTAssertEqual(fraction?.code, "invalid_field", "\(String(describing: fraction))")
        XCTAssertFalse(fraction?.message.contains("Int64") ?? true, "\(String(describing: fraction))")
        XCTAssertEqual(refusal(HostStatusReport.self, #"{"applied_generation": 1"#)?.code, "malformed_json")
    }
}

/// ``APIError/checkText(_:field:)``: every control character (Unicode Cc) refused, at its position; everything else,
/// including non-ASCII text whose UTF-8 shares bytes with control characters, accepted.
final class ControlCharacterTests: XCTestCase {
    func testEveryControlCharacterIsRefusedAtItsPosition() {
        let controls = Array(0x00...0x1F) + Array(0x7F...0x9F)
        for value in controls {
            let text = "ab" + String(UnicodeScalar(UInt8(value))) + "c"
            XCTAssertThrowsError(try APIError.checkText(text, field: "f"), String(format: "U+%04X", value)) { error in
                XCTAssertTrue((error as? APIError)?.message.contains(String(format: "U+%04X at position 2", value)) == true, "\(error)")
            }
        }
    }

    func testTextWithoutControlCharactersPasses() throws {
        // U+00A0–U+00BF start with the byte 0xC2 too; U+0100 and beyond, emoji and CJK are multi-byte.
        for text in ["", "hv-0.eth1", "caf\u{E9}", "\u{A0}\u{A9}\u{BF}", "\u{100}\u{2028}", "\u{1F600}", "\u{4E2D}\u{6587}"] {
            XCTAssertNoThrow(try APIError.checkText(text, field: "f"), text)
        }
    }
}
