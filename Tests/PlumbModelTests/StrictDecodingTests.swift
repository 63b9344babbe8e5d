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
