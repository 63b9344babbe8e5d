@testable import PlumbController
import PlumbModel
import XCTest

final class MACChoiceTests: XCTestCase {
    private typealias F = AllocationFixture

    func testRequestedMACsAreKeptOthersComeFromThePoolInOrder() {
        let own = MACAddress("0a:00:00:00:00:01")!
        let plan = F.plan(F.request([F.nic(), F.nic(.vfio, pf: "eno2", mac: own), F.nic(.passthrough, pf: "eno3"), F.nic()]))
        XCTAssertEqual(plan?.nics.map(\.mac), [MACAddress("02:00:00:00:00:01"), own, nil, MACAddress("02:00:00:00:00:02")])
        XCTAssertEqual(plan?.nics.map(\.tap), ["pl020000000001", nil, nil, "pl020000000002"])
    }

    func testAHeldMACIsRefusedNamingItsHolder() {
        let mac = MACAddress("0a:00:00:00:00:01")!
        let held = AllocationSnapshot.MACHolder(mac: mac, materialization: "other", vm: "v", nic: "eth0", released: true)
        let refusal = F.assertRefused(409, "mac_in_use", field: "vms[0].nics[0].mac", F.request([F.nic(mac: mac)]), F.snapshot(macHolders: [held]))
        XCTAssertEqual(refusal?.message, "MAC 0a:00:00:00:00:01 is still quarantined after its release by materialization other (v/eth0)")
    }

    func testAnExhaustedPoolIsRefusedAtTheFirstNICWithoutAMAC() {
        let refusal = F.assertRefused(409, "pool_exhausted", field: "vms[0].nics[1]", F.request([F.nic(), F.nic()]), F.snapshot(freeMacs: 1))
        XCTAssertEqual(refusal?.pool, "mac")
    }

    func testTapNamesAreFifteenCharactersAtMost() {
        XCTAssertEqual(TapNaming.name(for: MACAddress("02:ff:ff:ff:ff:ff")!), "pl02ffffffffff")
        XCTAssertLessThanOrEqual(TapNaming.name(for: MACAddress("02:ff:ff:ff:ff:ff")!).count, Limits.interfaceNameLength)
    }
}
