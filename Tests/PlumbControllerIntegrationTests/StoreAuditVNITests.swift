import Foundation
import PlumbController
import PlumbModel
import XCTest

/// `ControllerStore.auditVNI`: who held a VNI at a moment, and its whole history (the API's form of
/// `sql/audit/who-held-vni.sql`).
final class StoreAuditVNITests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    /// The database's clock, a few milliseconds after every change so far (the wire keeps milliseconds).
    private func moment() async throws -> Date {
        try await Task.sleep(for: .milliseconds(5))
        let now = try await rows("SELECT clock_timestamp() AS value")[0].date("value")
        try await Task.sleep(for: .milliseconds(5))
        return now
    }

    func testHoldersAtEachMomentAndOverTheWholeHistory() async throws {
        let before = try await moment()
        let first = try await store.materialize(id: "first", spec: Fixture.simple([.virtio]), actor: "alice").materialization
        let vni = first.networks[0].vni
        let during = try await moment()
        try await store.dematerialize(id: "first")
        let quarantined = try await moment()
        try await reportAllApplied()
        let second = try await store.materialize(id: "second", spec: Fixture.simple([.virtio]), actor: "bob").materialization
        XCTAssertEqual(second.networks[0].vni, vni, "the VNI went to the next experiment")
        let later = try await moment()

        func holders(at time: Date?) async throws -> [String] {
            let audit = try await store.auditVNI(vni, at: time)
            XCTAssertEqual(audit.vni, vni)
            XCTAssertEqual(audit.at, time)
            return audit.holdings.map { "\($0.materialization) \($0.holder) \($0.allocatedBy) \($0.state.rawValue)" }
        }
        let atBefore = try await holders(at: before)
        let atDuring = try await holders(at: during)
        let atQuarantine = try await holders(at: quarantined)
        let atLater = try await holders(at: later)
        let ever = try await holders(at: nil)
        XCTAssertEqual(atBefore, [])
        XCTAssertEqual(atDuring, ["first network net alice held"])
        XCTAssertEqual(atQuarantine, ["first network net alice quarantined"])
        XCTAssertEqual(atLater, ["second network net bob held"])
        XCTAssertEqual(ever, ["first network net alice freed", "second network net bob held"])

        let history = try await store.auditVNI(vni, at: nil).holdings
        XCTAssertNil(history[0].releasedAt.flatMap { $0 < history[0].allocatedAt ? $0 : nil }, "released after allocated")
        XCTAssertNotNil(history[0].releasedAt)
        XCTAssertNotNil(history[0].freedAt)
        XCTAssertNil(history[1].releasedAt)
        XCTAssertNil(history[1].freedAt)
    }

    func testAVNINobodyHeldAndNumbersThatAreNoVNI() async throws {
        let audit = try await store.auditVNI(7050, at: nil)
        XCTAssertEqual(audit.holdings, [])
        for vni in [0, -1, 16_777_216] {
            await assertRefused(400, "invalid_field", field: "vni") { _ = try await self.store.auditVNI(vni, at: nil) }
        }
    }
}
