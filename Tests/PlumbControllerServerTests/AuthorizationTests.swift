import Foundation
import PlumbControllerServer
import PlumbHTTPClient
import PlumbModel
import XCTest

/// Who may call what: no token and unknown tokens are 401, a token of the wrong role or host is 403,
/// and each role is let through where it should be.
final class AuthorizationTests: ServerTestCase {
    private var hv0Token: String!
    private var leaf0Token: String!

    override func setUp() async throws {
        try await super.setUp()
        _ = try admin.putFacility(TestFacility.facility())
        hv0Token = try admin.issueHostToken(host: "hv0").token
        leaf0Token = try admin.issueHostToken(host: "leaf0").token
    }

    /// One request of every operation except the public ones, as (operation id, method, path, body).
    private func requests() throws -> [(String, String, String, Data?)] {
        let facility = try PlumbJSON.encode(TestFacility.facility())
        let spec = try PlumbJSON.encode(TestFacility.spec())
        let report = try PlumbJSON.encode(HostStatusReport(appliedGeneration: 0))
        return [
            ("putFacility", "PUT", "/v1/facility", facility),
            ("patchFacility", "PATCH", "/v1/facility", Data(#"{"hypervisors":[{"name":"hv1","underlay_mtu":9000}]}"#.utf8)),
            ("getFacility", "GET", "/v1/facility", nil),
            ("listMaterializations", "GET", "/v1/materializations", nil),
            ("putMaterialization", "PUT", "/v1/materializations/auth", spec),
            ("getMaterialization", "GET", "/v1/materializations/auth", nil),
            ("vmAttachments", "GET", "/v1/materializations/auth/vms/vm/attachments", nil),
            ("deleteMaterialization", "DELETE", "/v1/materializations/auth", nil),
            ("listHosts", "GET", "/v1/hosts", nil),
            ("hostDesired", "GET", "/v1/hosts/hv0/desired", nil),
            ("putHostStatus", "PUT", "/v1/hosts/hv0/status", report),
            ("issueHostToken", "POST", "/v1/hosts/hv1/token", nil),
            ("forceRelease", "POST", "/v1/hosts/hv1/force-release", nil),
            ("leafDesired", "GET", "/v1/leaves/leaf0/desired", nil),
            ("auditVNI", "GET", "/v1/audit/vni/5000", nil),
        ]
    }

    func testEveryProtectedRouteNeedsAKnownToken() throws {
        let requests = try requests()
        XCTAssertEqual(Set(requests.map(\.0)), Set(Access.byOperation.filter { $0.value != .anyone }.keys),
                       "every protected operation is exercised")
        for (_, method, path, body) in requests {
            for token in [nil, "not-a-token", Self.adminToken + "x", String(Self.adminToken.dropLast())] {
                let response = try raw(method, path, token: token, body: body)
                XCTAssertEqual(response.status, 401, "\(method) \(path) with \(token ?? "no token")")
                let error = try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error
                XCTAssertEqual(error.code, "unauthorized")
                XCTAssertEqual(response.header("WWW-Authenticate"), "Bearer")
            }
        }
    }

    func testRolesAndHostsGetWhatTheyMayAndNothingElse() throws {
        // The expected status per endpoint for each caller; 2xx (or, for attachments nobody reported, 409) means "let through".
        let allowed: [String: Set<String>] = [
            "admin": Set(Access.byOperation.keys),
            "cogs": ["getFacility", "listMaterializations", "putMaterialization", "getMaterialization", "vmAttachments",
                     "deleteMaterialization", "listHosts", "hostDesired", "leafDesired", "auditVNI", "health", "metrics"],
            "hv0": ["hostDesired", "putHostStatus", "health", "metrics"],
            "leaf0": ["leafDesired", "health", "metrics"],
        ]
        let tokens = ["admin": Self.adminToken, "cogs": Self.cogsToken, "hv0": hv0Token!, "leaf0": leaf0Token!]
        for (caller, token) in tokens.sorted(by: { $0.key < $1.key }) {
            for (endpoint, method, path, body) in try requests() {
                // A leaf reports its status on its own name.
                let path = caller == "leaf0" && endpoint == "putHostStatus" ? "/v1/hosts/leaf0/status" : path
                let response = try raw(method, path, token: token, body: body)
                if allowed[caller]!.contains(endpoint) || (caller == "leaf0" && endpoint == "putHostStatus") {
                    XCTAssertTrue((200..<300).contains(response.status) || (endpoint == "vmAttachments" && response.status == 409),
                                  "\(caller) \(method) \(path): \(response.status) "
                                  + String(decoding: response.body, as: UTF8.self))
                } else {
                    XCTAssertEqual(response.status, 403, "\(caller) \(method) \(path)")
                    XCTAssertEqual(try PlumbJSON.decode(APIError.Envelope.self, from: response.body).error.code, "forbidden")
                }
            }
        }
    }

    func testAHostTokenReadsAndReportsOnlyItsOwnHost() throws {
        let hv0 = client(hv0Token)
        assertAPIError(403, "forbidden") { _ = try hv0.desired(host: "hv1", after: nil) }
        assertAPIError(403, "forbidden") { try hv0.putStatus(host: "hv1", HostStatusReport(appliedGeneration: 0)) }
        assertAPIError(403, "forbidden") { _ = try hv0.leafDesired(leaf: "leaf0", after: nil) }
        let leaf0 = client(leaf0Token)
        assertAPIError(403, "forbidden") { _ = try leaf0.desired(host: "leaf0", after: nil) }
        assertAPIError(403, "forbidden") { _ = try leaf0.desired(host: "hv0", after: nil) }
        XCTAssertNoThrow(try leaf0.leafDesired(leaf: "leaf0", after: nil))

        // A new token replaces the old one.
        let replacement = try admin.issueHostToken(host: "hv0").token
        assertAPIError(401, "unauthorized") { _ = try hv0.desired(host: "hv0", after: nil) }
        XCTAssertNoThrow(try client(replacement).desired(host: "hv0", after: nil))
    }

    func testPublicRoutesNeedNoToken() throws {
        XCTAssertEqual(try raw("GET", "/healthz", token: nil).status, 200)
        XCTAssertEqual(try raw("GET", "/metrics", token: nil).status, 200)
    }
}
