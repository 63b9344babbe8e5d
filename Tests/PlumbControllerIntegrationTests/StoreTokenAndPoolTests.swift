import PlumbController
import PlumbModel
import XCTest

/// Host tokens, and pool usage for metrics.
final class StoreTokenAndPoolTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    func testTokensAuthenticateTheirHostAndAreStoredHashed() async throws {
        let token = try await store.issueToken(for: .hypervisor("hv0"))
        XCTAssertEqual(token.host, "hv0")
        XCTAssertEqual(token.token.count, 64)
        let who = try await store.authenticate(hostToken: token.token)
        XCTAssertEqual(who, .hypervisor("hv0"))
        let nobody = try await store.authenticate(hostToken: "not-a-token")
        XCTAssertNil(nobody)
        let plain = try await count("""
            SELECT count(*) AS value FROM plumb.hosts WHERE token_hash = convert_to($1, 'UTF8') OR encode(token_hash, 'hex') = $1
            """, [token.token])
        XCTAssertEqual(plain, 0, "the token itself is not stored")
        let stored = try await count("SELECT count(*) AS value FROM plumb.hosts WHERE token_hash = sha256(convert_to($1, 'UTF8'))",
                                     [token.token])
        XCTAssertEqual(stored, 1, "its SHA-256 is")

        let leafToken = try await store.issueToken(for: .leaf("leaf0"))
        let leaf = try await store.authenticate(hostToken: leafToken.token)
        XCTAssertEqual(leaf, .leaf("leaf0"))

        // A new token replaces the old one.
        let renewed = try await store.issueToken(for: .hypervisor("hv0"))
        XCTAssertNotEqual(renewed.token, token.token)
        let old = try await store.authenticate(hostToken: token.token)
        XCTAssertNil(old)
        let new = try await store.authenticate(hostToken: renewed.token)
        XCTAssertEqual(new, .hypervisor("hv0"))

        await assertRefused(404, "not_found", field: nil) { _ = try await self.store.issueToken(for: .leaf("hv0")) }
    }

    func testPoolUsage() async throws {
        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio, .vfio, .passthrough]))
        _ = try await store.materialize(id: "gone", spec: Fixture.simple([.virtio], hypervisor: "hv2"))
        try await store.dematerialize(id: "gone")
        let usage = try await store.poolUsage()
        func line(_ pool: String, _ scope: String) -> String {
            guard let u = usage.first(where: { $0.pool == pool && $0.scope == scope }) else { return "missing" }
            return "\(u.size) \(u.allocated) \(u.quarantined) \(u.free)"
        }
        XCTAssertEqual(line("vni", ""), "99 1 1 97")
        XCTAssertEqual(line("vlan", "leaf0"), "8 1 0 7")
        XCTAssertEqual(line("vlan", "leaf1"), "100 0 0 100")
        XCTAssertEqual(line("vf", "hv0/eno2"), "8 1 0 7")
        XCTAssertEqual(line("vf", "hv0/eno1"), "4 0 0 4")
        XCTAssertEqual(line("passthrough", "hv0"), "2 1 0 1")
        XCTAssertEqual(line("passthrough", "hv1"), "1 0 0 1")
        XCTAssertEqual(line("mac", ""), "1099511627775 2 1 1099511627772")
        XCTAssertEqual(usage.map(\.pool), usage.map(\.pool).sorted())
    }
}
