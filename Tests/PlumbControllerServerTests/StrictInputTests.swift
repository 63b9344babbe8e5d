import Foundation
import PlumbHTTPClient
import PlumbModel
import XCTest

/// Nothing gets past the edge: unknown members, `null`s, control characters and malformed path
/// parameters are a 400 naming the field, for every caller, before anything reaches the database.
final class StrictInputTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        var facility = TestFacility.facility()
        facility.hypervisors.append(Facility.Hypervisor(name: "hv2", vtepIp: IPv4Address("198.19.1.3")!, leaf: "leaf0"))
        _ = try admin.putFacility(facility)
        _ = try cogs.materialize(id: "victim", spec: TestFacility.spec([.virtio]))
    }

    /// Sends a request and checks that it is a 400 naming `field`, and that the database is as before.
    @discardableResult
    private func assertRefused(_ method: String, _ path: String, _ body: String? = nil, token: String? = ServerTestCase.adminToken,
                               field: String?, status: Int = 400,
                               file: StaticString = #filePath, line: UInt = #line) async throws -> APIError? {
        let before = try await databaseSnapshot()
        let response = try raw(method, path, token: token, body: body.map { Data($0.utf8) })
        XCTAssertEqual(response.status, status, String(decoding: response.body, as: UTF8.self), file: file, line: line)
        let error = try? PlumbJSON.decode(APIError.Envelope.self, from: response.body).error
        XCTAssertEqual(error?.field, field, "\(String(describing: error))", file: file, line: line)
        let after = try await databaseSnapshot()
        XCTAssertEqual(after, before, "the refused request changed the database", file: file, line: line)
        return error
    }

    /// The JSON text of a valid spec with `edit` applied.
    private func spec(_ edit: (inout [String: Any]) -> Void) throws -> String {
        var object = try JSONSerialization.jsonObject(with: PlumbJSON.encode(TestFacility.spec([.virtio, .vfio]))) as! [String: Any]
        edit(&object)
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    private func editNIC(_ object: inout [String: Any], nic: Int, key: String, value: Any) {
        var vms = object["vms"] as! [[String: Any]]
        var nics = vms[0]["nics"] as! [[String: Any]]
        nics[nic][key] = value
        vms[0]["nics"] = nics
        object["vms"] = vms
    }

    /// Addresses the schema only calls strings are parsed by the domain's types; one that does not parse is a 400
    /// naming it, whichever member it is in.
    func testAnUnparsableAddressInTheFacilityIsNamed() async throws {
        func facility(_ edit: (inout [String: Any]) -> Void) throws -> String {
            var object = try JSONSerialization.jsonObject(with: PlumbJSON.encode(TestFacility.facility())) as! [String: Any]
            edit(&object)
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let badLeaf = try facility { object in
            var leaves = object["leaves"] as! [[String: Any]]
            leaves[0]["vtep_ip"] = "198.18.0.256"
            object["leaves"] = leaves
        }
        try await assertRefused("PUT", "/v1/facility", badLeaf, field: "leaves[0].vtep_ip")
        let badNIC = try facility { object in
            var hypervisors = object["hypervisors"] as! [[String: Any]]
            var nics = hypervisors[0]["nics"] as! [[String: Any]]
            nics[1]["pci_address"] = "0000:3b:00"
            hypervisors[0]["nics"] = nics
            object["hypervisors"] = hypervisors
        }
        try await assertRefused("PUT", "/v1/facility", badNIC, field: "hypervisors[0].nics[1].pci_address")
    }

    func testANULInAPathNeverActsOnAnotherResource() async throws {
        let token = try admin.issueHostToken(host: "hv2").token
        try await assertRefused("DELETE", "/v1/materializations/victim%00anything", field: "id")
        XCTAssertEqual(try cogs.materialization(id: "victim").id, "victim", "victim is still there")
        try await assertRefused("POST", "/v1/hosts/hv2%00evil/token", field: "name")
        XCTAssertEqual(try raw("GET", "/v1/hosts/hv2/desired", token: token).status, 200, "hv2's old token still works")
        try await assertRefused("GET", "/v1/materializations/victim%00", field: "id")
        try await assertRefused("POST", "/v1/hosts/hv2%0Aevil/force-release", field: "name")
        try await assertRefused("PUT", "/v1/hosts/hv2%00/status", #"{"applied_generation": 0}"#, token: token, field: nil,
                                status: 403)
    }

    func testEveryRouteChecksItsPathParametersByTheRuleOfThePutThatCreatesThem() async throws {
        let tooLong = String(repeating: "m", count: 129)
        for path in ["/v1/materializations/a%2Fb", "/v1/materializations/\(tooLong)", "/v1/materializations/-lead"] {
            try await assertRefused("GET", path, field: "id")
            try await assertRefused("DELETE", path, field: "id")
            try await assertRefused("PUT", path, try PlumbJSON.encode(TestFacility.spec()).utf8String, field: "id")
        }
        let longName = String(repeating: "h", count: 64)
        for path in ["/v1/hosts/bad%20name/desired", "/v1/hosts/\(longName)/desired", "/v1/leaves/l%3Ax/desired",
                     "/v1/hosts/a%2Fb/token", "/v1/hosts/_x/force-release"] {
            let method = path.hasSuffix("desired") ? "GET" : "POST"
            try await assertRefused(method, path, field: "name")
        }
        try await assertRefused("PUT", "/v1/hosts/a%2Fb/status", #"{"applied_generation": 0}"#, field: "name")
    }

    func testQueryParametersAreCheckedAlikeForHostAndAdminTokens() async throws {
        let token = try admin.issueHostToken(host: "hv0").token
        let report = #"{"applied_generation": 0}"#
        for caller in [Self.adminToken, token] {
            try await assertRefused("PUT", "/v1/hosts/hv0/status?kind=null", report, token: caller, field: "kind")
            try await assertRefused("GET", "/v1/hosts/hv0/desired?wait=1%00", token: caller, field: "wait")
            try await assertRefused("GET", "/v1/hosts/hv0/desired?after=%07", token: caller, field: "after")
        }
        try await assertRefused("PUT", "/v1/hosts/hv0/status?kind=leaf", report, token: token, field: "kind", status: 403)
        try await assertRefused("GET", "/v1/audit/vni/5000?at=2026-01-01T00:00:00Z%00", token: Self.cogsToken, field: "at")
        XCTAssertEqual(try raw("PUT", "/v1/hosts/hv0/status?kind=hypervisor", token: token, body: Data(report.utf8)).status, 204)
    }

    func testUnknownMembersAreRefusedInEveryBodyType() async throws {
        let error = try await assertRefused("PUT", "/v1/materializations/new",
                                            try spec { editNIC(&$0, nic: 1, key: "passthru", value: true) },
                                            field: "vms[0].nics[1].passthru")
        XCTAssertEqual(error?.code, "invalid_field")
        try await assertRefused("PUT", "/v1/materializations/new", try spec { object in
            var networks = object["networks"] as! [[String: Any]]
            networks[0]["allowLocal"] = true
            object["networks"] = networks
        }, field: "networks[0].allowLocal")
        try await assertRefused("PUT", "/v1/materializations/new", try spec { $0["extra"] = [] }, field: "extra")

        var facility = try JSONSerialization.jsonObject(with: PlumbJSON.encode(TestFacility.facility())) as! [String: Any]
        var hypervisors = facility["hypervisors"] as! [[String: Any]]
        var nics = hypervisors[0]["nics"] as! [[String: Any]]
        nics[1]["speed"] = 100
        hypervisors[0]["nics"] = nics
        facility["hypervisors"] = hypervisors
        try await assertRefused("PUT", "/v1/facility", String(decoding: try JSONSerialization.data(withJSONObject: facility), as: UTF8.self),
                                field: "hypervisors[0].nics[1].speed")
        try await assertRefused("PUT", "/v1/facility", #"{"vni_ranges": [{"first": 1, "last": 2, "step": 1}]}"#, field: "vni_ranges[0].step")

        try await assertRefused("PUT", "/v1/hosts/hv0/status",
                                #"{"applied_generation": 0, "inventory": {"nics": [{"name": "e", "vf_limit": 0, "vf_pci_addresses": [], "speed": 1}]}}"#,
                                field: "inventory.nics[0].speed")
        try await assertRefused("PUT", "/v1/hosts/hv0/status", #"{"applied_generation": 0, "errors": [{"item": "x", "message": "y", "at": 1}]}"#,
                                field: "errors[0].at")
    }

    func testNullIsRefusedWhereTheDocumentDoesNotAllowIt() async throws {
        try await assertRefused("PUT", "/v1/materializations/new", try spec { editNIC(&$0, nic: 1, key: "pf", value: NSNull()) },
                                field: "vms[0].nics[1].pf")
        try await assertRefused("PUT", "/v1/facility", #"{"vni_ranges": [], "reserved_vnis": null}"#, field: "reserved_vnis")
        try await assertRefused("PUT", "/v1/hosts/hv0/status", #"{"applied_generation": 0, "agent_version": null}"#, field: "agent_version")
        try await assertRefused("PUT", "/v1/hosts/hv0/status", "null", field: "body")
    }

    func testControlCharactersInBodyStringsAreRefusedNamingTheField() async throws {
        let nul = "\\u0000"
        try await assertRefused("PUT", "/v1/hosts/hv0/status", #"{"applied_generation": 0, "errors": [{"item": "tap\#(nul)x", "message": "m"}]}"#,
                                field: "errors[0].item")
        try await assertRefused("PUT", "/v1/hosts/hv0/status", #"{"applied_generation": 0, "agent_version": "1.0\#(nul)evil"}"#,
                                field: "agent_version")
        try await assertRefused("PUT", "/v1/hosts/hv0/status",
                                #"{"applied_generation": 0, "inventory": {"nics": [{"name": "e", "vf_limit": 0, "vf_pci_addresses": [], "driver": "a\u001bb"}]}}"#,
                                field: "inventory.nics[0].driver")
        try await assertRefused("PUT", "/v1/materializations/new", try spec { object in
            var networks = object["networks"] as! [[String: Any]]
            networks[0]["name"] = "net\u{0}x"
            object["networks"] = networks
        }, field: "networks[0].name")
        try await assertRefused("PUT", "/v1/facility", #"{"vni_ranges": [], "bad\#(nul)key": 1}"#, field: "body")
    }

    func testRefusalsSayWhichValuesAreAllowedAndNeverCarrySwiftText() async throws {
        let error = try await assertRefused("PUT", "/v1/materializations/new",
                                            try spec { editNIC(&$0, nic: 0, key: "mechanism", value: "sriov") },
                                            field: "vms[0].nics[0].mechanism")
        XCTAssertEqual(error?.message, "must be one of virtio, vfio, passthrough, got 'sriov'")
        let big = try await assertRefused("PUT", "/v1/hosts/hv0/status", #"{"applied_generation": 1.5}"#, field: "body")
        XCTAssertFalse(big?.message.contains("Int") ?? true, big?.message ?? "")
        let echoed = try await assertRefused("GET", "/v1/materializations/x%00y%01", field: "id")
        XCTAssertFalse(echoed?.message.unicodeScalars.contains { $0.properties.generalCategory == .control } ?? true,
                       "an answer never carries a control character back")
    }

    func testAChangeWhoseAnswerTheCallerWouldNotAcceptIsRefusedBeforeItIsMade() async throws {
        let body = try spec { _ in }
        for (method, path, payload) in [("PUT", "/v1/materializations/new", body as String?), ("DELETE", "/v1/materializations/victim", nil),
                                        ("POST", "/v1/hosts/hv0/token", nil)] {
            let before = try await databaseSnapshot()
            let response = try raw(method, path, body: payload.map { Data($0.utf8) }, headers: ["Accept": "text/html"])
            XCTAssertEqual(response.status, 406, "\(method) \(path): \(response.body.utf8String)")
            XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error.field, "accept")
            let after = try await databaseSnapshot()
            XCTAssertEqual(after, before, "\(method) \(path) refused with 406 changed the database")
        }
        // What admits JSON is served.
        for accept in ["application/json", "application/*;q=0.5, text/html", "*/*"] {
            XCTAssertEqual(try raw("PUT", "/v1/materializations/m-\(accept.count)", body: Data(body.utf8), headers: ["Accept": accept]).status, 201, accept)
        }
        XCTAssertEqual(try raw("PUT", "/v1/materializations/q0", body: Data(body.utf8), headers: ["Accept": "application/json;q=0"]).status, 406)
    }

    func testHTTPByTheBook() throws {
        let wrongMethod = try raw("POST", "/v1/facility", body: Data("{}".utf8))
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.header("Allow"), "GET, HEAD, PUT, PATCH")
        XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: wrongMethod.body).error.code, "method_not_allowed")
        XCTAssertEqual(try raw("PATCH", "/v1/materializations/x").header("Allow"), "GET, HEAD, PUT, DELETE")
        XCTAssertEqual(try raw("GET", "/v1/hosts/hv0/token").header("Allow"), "POST")

        for path in ["/v1/facility", "/v1/materializations/victim", "/v1/hosts", "/healthz", "/metrics", "/v1/audit/vni/5000"] {
            let get = try raw("GET", path)
            let head = try raw("HEAD", path)
            XCTAssertEqual(head.status, get.status, path)
            XCTAssertTrue(head.body.isEmpty, path)
            XCTAssertEqual(head.header("Content-Type"), get.header("Content-Type"), path)
            if path != "/metrics" {  // the metrics move between the two requests
                XCTAssertEqual(head.header("Content-Length"), String(get.body.count), path)
            }
        }
        let refused = try raw("HEAD", "/v1/materializations/none")
        XCTAssertEqual(refused.status, 404)
        XCTAssertTrue(refused.body.isEmpty)
        XCTAssertEqual(try raw("HEAD", "/v1/facility", token: nil).status, 401)
    }
}

private extension Data {
    var utf8String: String { String(decoding: self, as: UTF8.self) }
}
