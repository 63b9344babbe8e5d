@testable import PlumbController
import PlumbModel
import XCTest

final class VNIChoiceTests: XCTestCase {
    private typealias F = AllocationFixture

    func testNetworksTakeTheFreeVNIsInOrder() {
        let plan = F.plan(F.request([], networks: ["a", "b"]), F.snapshot(freeVnis: [7000, 7002]))
        XCTAssertEqual(plan?.networks.map(\.vni), [7000, 7002])
        XCTAssertEqual(plan?.networks.map(\.name), ["a", "b"])
    }

    func testAnExhaustedPoolIsRefusedAtTheFirstNetworkWithoutAVNI() {
        let refusal = F.assertRefused(409, "pool_exhausted", field: "networks[1]", F.request([], networks: ["a", "b"]), F.snapshot(freeVnis: [7000]))
        XCTAssertEqual(refusal?.message, "VNI pool is exhausted")
        XCTAssertEqual(refusal?.pool, "vni")
    }
}
