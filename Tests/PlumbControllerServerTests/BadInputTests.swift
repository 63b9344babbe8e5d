import Foundation
import PlumbHTTPClient
import PlumbModel
import XCTest

/// Bad input gets a 4xx JSON error naming the field, and changes nothing in the database.
final class BadInputTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        _ = try admin.putFacility(TestFacility.facility())
        _ = try cogs.materialize(id: "existing", spec: TestFacility.spec([.virtio, .vfio]))
    }

    /// Sends `body` to `path` and checks status, code and field; the database must be as before.
    private func assertRefused(_ method: String, _ path: String, _ body: String, status: Int, code: String, field: String?,
                               file: StaticString = #filePath, line: UInt = #line) async throws {
        let before = try await databaseSnapshot()
        let response = try raw(method, path, body: Data(body.utf8))
        XCTAssertEqual(response.status, status, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", file: file, line: line)
        let error = try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
        XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        let after = try await databaseSnapshot()
        XCTAssertEqual(after, before, "the refused request changed the database", file: file, line: line)
    }

    /// A valid spec as JSON text with `edit` applied to its JSON object.
    private func spec(_ edit: (inout [String: Any]) -> Void) throws -> String {
        var object = try JSONSerialization.jsonObject(with: PlumbJSON.encode(TestFacility.spec([.virtio, .vfio]))) as! [String: Any]
        edit(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    private func editNIC(_ object: inout [String: Any], vm: Int = 0, nic: Int, key: String, value: Any) {
        var vms = object["vms"] as! [[String: Any]]
        var nics = vms[vm]["nics"] as! [[String: Any]]
        nics[nic][key] = value
        vms[vm]["nics"] = nics
        object["vms"] = vms
    }

    func testMalformedJSONIs400() async throws {
        try await assertRefused("PUT", "/v1/materializations/new", "{\"networks\": [", status: 400, code: "malformed_json", field: "body")
        try await assertRefused("PUT", "/v1/materializations/new", "", status: 400, code: "malformed_json", field: "body")
        try await assertRefused("PUT", "/v1/facility", "not json", status: 400, code: "malformed_json", field: "body")
        try await assertRefused("PUT", "/v1/hosts/hv0/status", "[1,2", status: 400, code: "malformed_json", field: "body")
    }

    func testWrongTypesAndMissingFieldsNameTheFieldPath() async throws {
        try await assertRefused("PUT", "/v1/materializations/new", try spec { editNIC(&$0, nic: 1, key: "mac", value: "zz:zz") },
                                status: 400, code: "invalid_field", field: "vms[0].nics[1].mac")
        try await assertRefused("PUT", "/v1/materializations/new", try spec { editNIC(&$0, nic: 0, key: "mechanism", value: "sriov") },
                                status: 400, code: "invalid_field", field: "vms[0].nics[0].mechanism")
        try await assertRefused("PUT", "/v1/materializations/new", try spec { $0["vms"] = "many" },
                                status: 400, code: "invalid_field", field: "vms")
        try await assertRefused("PUT", "/v1/materializations/new", try spec { $0["networks"] = nil },
                                status: 400, code: "invalid_field", field: "networks")
        try await assertRefused("PUT", "/v1/hosts/hv0/status", #"{"applied_generation": "seven"}"#,
                                status: 400, code: "invalid_field", field: "applied_generation")
        try await assertRefused("PUT", "/v1/hosts/hv0/status", #"{"applied_generation": -1}"#,
                                status: 400, code: "invalid_field", field: "applied_generation")
    }

    func testRuleViolationsNameTheNICAndLeaveNothingBehind() async throws {
        // Five VFs on a NIC with four: refused as a whole.
        let tooMany = try PlumbJSON.encode(TestFacility.spec([.vfio, .vfio, .vfio, .vfio, .vfio]))
        let before = try await databaseSnapshot()
        let response = try raw("PUT", "/v1/materializations/greedy", body: tooMany)
        XCTAssertTrue((400..<500).contains(response.status), "\(response.status)")
        let error = try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error
        XCTAssertNotNil(error.field, "\(error)")
        let after = try await databaseSnapshot()
        XCTAssertEqual(after, before)
        try await assertRefused("PUT", "/v1/materializations/new", try spec { object in
            var vms = object["vms"] as! [[String: Any]]
            vms[0]["hypervisor"] = "hv9"
            object["vms"] = vms
        }, status: 422, code: "inconsistent_field", field: "vms[0].hypervisor")
    }

    func testOversizedBodyIs413() async throws {
        let huge = "{\"networks\": [], \"vms\": [], \"padding\": \"" + String(repeating: "x", count: 5 * 1024 * 1024) + "\"}"
        try await assertRefused("PUT", "/v1/materializations/big", huge, status: 413, code: "body_too_large", field: "body")
        // The connection is still usable afterwards and the server still answers.
        XCTAssertEqual(try raw("GET", "/v1/materializations").status, 200)
    }

    func testSamePutIsIdempotentAndADifferentBodyIs409() async throws {
        let first = try raw("PUT", "/v1/materializations/twice", body: try PlumbJSON.encode(TestFacility.spec()))
        XCTAssertEqual(first.status, 201)
        let second = try raw("PUT", "/v1/materializations/twice", body: try PlumbJSON.encode(TestFacility.spec()))
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(try PlumbJSON.decode(Materialization.self, from: first.body),
                       try PlumbJSON.decode(Materialization.self, from: second.body))
        let before = try await databaseSnapshot()
        assertAPIError(409) { _ = try self.cogs.materialize(id: "twice", spec: TestFacility.spec([.virtio, .virtio])) }
        let after = try await databaseSnapshot()
        XCTAssertEqual(after, before)
    }

    func testUnknownRoutesAndMethodsAnswerJSON() throws {
        let missing = try raw("GET", "/v1/nothing")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: missing.body).error.code, "no_route")
        let wrongMethod = try raw("POST", "/v1/facility", body: Data("{}".utf8))
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: wrongMethod.body).error.code, "method_not_allowed")
    }

    func testABadFacilityPatchIsNamedAndChangesNothing() async throws {
        try await assertRefused("PATCH", "/v1/facility", #"{"hypervisors":[{"name":"hv9","underlay_mtu":9000}]}"#,
                                status: 422, code: "inconsistent_field", field: "hypervisors[0].name")
        try await assertRefused("PATCH", "/v1/facility", #"{"hypervisors":[{"name":"hv1"},{"name":"hv1"}]}"#,
                                status: 422, code: "inconsistent_field", field: "hypervisors[1].name")
        try await assertRefused("PATCH", "/v1/facility", #"{"hypervisors":[{"name":"hv1","underlay_mtu":100}]}"#,
                                status: 400, code: "invalid_field", field: "hypervisors[0].underlay_mtu")
        try await assertRefused("PATCH", "/v1/facility", #"{"hypervisors":[{"name":"hv1","vtep":"198.19.1.9"}]}"#,
                                status: 400, code: "invalid_field", field: "hypervisors[0].vtep")
        try await assertRefused("PATCH", "/v1/facility", #"{"hypervisors":[{"name":"hv1","vtep_ip":"198.19.1.1"}]}"#,
                                status: 422, code: "inconsistent_field", field: "hypervisors[0].vtep_ip")
        // hv0's eth0 gives the VF of `existing`: dropping it is refused, named in the patch's terms.
        try await assertRefused("PATCH", "/v1/facility", #"{"hypervisors":[{"name":"hv1"},{"name":"hv0","nics":[]}]}"#,
                                status: 409, code: "in_use", field: "hypervisors[1].nics")
        // Only the admin declares the facility.
        XCTAssertEqual(try raw("PATCH", "/v1/facility", token: Self.cogsToken,
                               body: Data(#"{"hypervisors":[{"name":"hv1","underlay_mtu":9000}]}"#.utf8)).status, 403)
    }
}

/// A refusal for want of identifiers names the pool that ran out, as the document says.
final class PoolExhaustedTests: ServerTestCase {
    func testAnExhaustedPoolIsNamedOnTheWire() throws {
        var facility = TestFacility.facility()
        facility.vniRanges = [Facility.NumberRange(first: 5000, last: 5000)]
        _ = try admin.putFacility(facility)
        _ = try cogs.materialize(id: "first", spec: TestFacility.spec([.virtio]))
        let refused = try raw("PUT", "/v1/materializations/second", body: try PlumbJSON.encode(TestFacility.spec([.virtio])))
        XCTAssertEqual(refused.status, 409)
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: refused.body) as? [String: [String: String]])
        XCTAssertEqual(body["error"]?["code"], "pool_exhausted")
        XCTAssertEqual(body["error"]?["pool"], "vni")
        XCTAssertEqual(body["error"]?["field"], "networks[0]")
    }
}

