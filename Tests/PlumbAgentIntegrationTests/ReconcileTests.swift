import Foundation
import Logging
import PlumbAgentKit
import PlumbModel
import PlumbTestSupport
import XCTest

/// The reconciler against the real kernel in fresh namespaces, checked independently with iproute2.
final class ReconcileTests: XCTestCase {
    typealias H = ReconcileTestHost

    override func setUpWithError() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
    }

    func testApplyFromNothingThenAgainDoesNothing() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            let first = try ns.run { try reconciler.apply(H.desired) }
            XCTAssertEqual(first.errors, [])
            // 7001: bridge 2, vxlan 3, fdb 3, two isolated taps 4 each; 7002: bridge 2, vxlan 3, fdb 1, one tap 3.
            XCTAssertEqual(first.operations.count, 16 + 9)
            try host.assertPlumbing(H.desired)

            let before = try host.snapshot()
            let second = try ns.run { try reconciler.apply(H.desired) }
            XCTAssertEqual(second, ApplyReport())
            // A fresh agent (after a restart) finds nothing to do either, and nothing changed.
            XCTAssertEqual(try ns.run { try host.reconciler().plan(H.desired) }, [])
            XCTAssertEqual(try host.snapshot(), before)
        }
    }

    func testChangedDocumentRunsOnlyTheNeededOperations() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])

            var changed = H.desired
            changed.generation = 2
            changed.networks[0].taps.removeLast()
            let added = IPv4Address("198.18.0.4")!
            changed.networks[0].flood.append(added)
            let expected = [
                Operation(item: "link pltap2", .deleteLink(name: "pltap2")),
                Operation(item: "network 7001 fdb", parentItem: "network 7001", .addFDB(device: "plvx7001", mac: .zero, dst: added)),
            ]
            XCTAssertEqual(try ns.run { try reconciler.plan(changed) }, expected)
            XCTAssertEqual(try ns.run { try reconciler.apply(changed) }, ApplyReport(operations: expected))
            try host.assertPlumbing(changed)
            XCTAssertEqual(try ns.run { try reconciler.plan(changed) }, [])
        }
    }

    func testTapsMovedBetweenNetworksTakeTheirNewBridgesIsolation() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            var moved = H.desired
            let pltap2 = moved.networks[0].taps.removeLast()
            let pltap3 = moved.networks[1].taps.removeLast()
            moved.networks[0].taps.append(pltap3)
            moved.networks[1].taps.append(pltap2)
            // A port enslaved anew starts with `isolated` off: only the move into the isolated network sets it.
            XCTAssertEqual(try ns.run { try reconciler.plan(moved) }.map(\.action), [
                .setMaster(link: "pltap3", master: "plbr7001"),
                .setIsolated(link: "pltap3", isolated: true),
                .setMaster(link: "pltap2", master: "plbr7002"),
            ])
            XCTAssertEqual(try ns.run { try reconciler.apply(moved) }.errors, [])
            try host.assertPlumbing(moved)
            XCTAssertEqual(try ns.run { try reconciler.plan(moved) }, [])
        }
    }

    func testDriftMadeWithIproute2IsRepaired() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            try ns.ip("link", "set", "pltap1", "nomaster")
            try ns.ip("link", "set", "pltap2", "mtu", "1400")
            try ns.bridge("link", "set", "dev", "pltap2", "isolated", "off")
            try ns.ip("link", "set", "plvx7002", "down")
            try ns.ip("link", "set", "plbr7002", "alias", "")
            XCTAssertEqual(try ns.run { try reconciler.plan(H.desired) }.map(\.action), [
                // The bridge followed its port down to 1400 (its MTU was not set explicitly).
                .setMTU(link: "plbr7001", mtu: 1450),
                .setMaster(link: "pltap1", master: "plbr7001"),
                .setIsolated(link: "pltap1", isolated: true),
                .setIsolated(link: "pltap2", isolated: true),
                .setMTU(link: "pltap2", mtu: 1450),
                .setAlias(link: "plbr7002", alias: "plumb:vni 7002"),
                .setUp(link: "plvx7002"),
            ])
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            try host.assertPlumbing(H.desired)

            // A VXLAN device with the wrong VNI is replaced, and gets its entries back.
            try ns.ip("link", "del", "plvx7002")
            try ns.ip("link", "add", "plvx7002", "group", "20556", "type", "vxlan", "id", "9999", "local", "198.18.0.1",
                      "dstport", "4789", "nolearning", "dev", "ul0")
            try ns.ip("link", "set", "plvx7002", "alias", "plumb:vni 7002", "master", "plbr7002", "mtu", "1450", "up")
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            try host.assertPlumbing(H.desired)
        }
    }

    /// No L3 presence: Plumb's devices come up without any address (IPv6 address generation off from before they are
    /// first up), and addresses they gain later, or a mode turned back on, are taken away by the next reconcile.
    func testPlumbDevicesCarryNoAddressAndGainedOnesAreRemoved() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            let plumbDevices = try host.groupMembers()
            XCTAssertEqual(plumbDevices.count, 7)
            // The bridges have carrier through their VXLAN ports: with the kernel's default mode they would have a
            // link-local address as soon as they are up (as plvx7002 does below once its mode is changed back).
            func poll(limit: TimeInterval, _ condition: () -> Bool) -> Bool {
                let deadline = Date(timeIntervalSinceNow: limit)
                while !condition() {
                    if Date() > deadline { return false }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                return true
            }
            func addresses() throws -> [String: [String]] {
                Dictionary(uniqueKeysWithValues: try ns.ipJSON("addr", "show").map {
                    ($0["ifname"] as? String ?? "", ($0["addr_info"] as? [[String: Any]] ?? []).compactMap {
                        ($0["local"] as? String).map { "\($0)" }
                    })
                })
            }
            func modes() throws -> [String: String] {
                try ns.ipJSON("-d", "link", "show", "group", "20556").reduce(into: [:]) {
                    guard let name = $1["ifname"] as? String else { return }
                    $0[name] = $1["inet6_addr_gen_mode"] as? String ?? "-"
                }
            }
            for name in plumbDevices { XCTAssertEqual(try addresses()[name], [], name) }
            XCTAssertEqual(try modes(), Dictionary(uniqueKeysWithValues: plumbDevices.map { ($0, "none") }))

            try ns.ip("addr", "add", "10.9.0.1/24", "dev", "plbr7001")
            try ns.ip("addr", "add", "fd00::1/64", "dev", "pltap1")
            try ns.ip("link", "set", "plvx7002", "addrgenmode", "eui64")
            try ns.ip("link", "set", "plvx7002", "down")
            try ns.ip("link", "set", "plvx7002", "up")
            XCTAssertTrue(poll(limit: 2) { (try? addresses()["plvx7002"]?.isEmpty) == false }, "the VXLAN device regained an address")
            let gained = try XCTUnwrap(try addresses()["plvx7002"]?.first)
            XCTAssertEqual(try ns.run { try reconciler.plan(H.desired) }.map(\.description), [
                "delete address 10.9.0.1/24 from plbr7001",
                "delete address fd00::1/64 from pltap1",
                "set plvx7002 addrgenmode none",
                "delete address \(gained)/64 from plvx7002",
            ])
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            for name in plumbDevices { XCTAssertEqual(try addresses()[name], [], name) }
            XCTAssertEqual(try modes(), Dictionary(uniqueKeysWithValues: plumbDevices.map { ($0, "none") }))
            XCTAssertEqual(try ns.run { try reconciler.plan(H.desired) }, [])
            try host.assertPlumbing(H.desired)
        }
    }

    /// The attachment report: each applied tap with its index and MTU as iproute2 sees them; a NIC whose item failed
    /// is left out.
    func testAttachmentsNameEachAppliedTapWithItsIndexAndMTU() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            var desired = H.desired
            desired.networks[1].mtu = 1400
            XCTAssertEqual(try ns.run { try reconciler.apply(desired) }.errors, [])
            let links = try host.links()
            func expected(_ tap: String, network: Int, mtu: Int) -> Attachment {
                Attachment(materialization: "mz1", vm: "vm-\(tap)", nic: "eth0", kind: .tap, mac: MACAddress("02:00:00:00:aa:01")!,
                           mtu: mtu, tap: tap, tapIfindex: links[tap]?["ifindex"] as? Int)
            }
            XCTAssertEqual(try ns.run { try reconciler.attachments(desired, errors: []) }, [
                expected("pltap1", network: 7001, mtu: 1450), expected("pltap2", network: 7001, mtu: 1450),
                expected("pltap3", network: 7002, mtu: 1400),
            ])
            XCTAssertEqual(links["pltap3"]?["mtu"] as? Int, 1400)
            XCTAssertEqual(links["plbr7002"]?["mtu"] as? Int, 1400)
            XCTAssertEqual(links["plvx7002"]?["mtu"] as? Int, 1400)
            let failed = [HostStatusReport.ItemError(item: "tap pltap2", message: "x"), HostStatusReport.ItemError(item: "network 7002", message: "y")]
            XCTAssertEqual(try ns.run { try reconciler.attachments(desired, errors: failed) }.map(\.tap), ["pltap1"])
        }
    }

    func testStaleOwnedDevicesGoAndLookAlikesStay() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            // Plumb's, from an older document: a bridge and a tap in Plumb's group with Plumb's alias.
            try ns.ip("link", "add", "plbr7009", "group", "20556", "type", "bridge")
            try ns.ip("link", "set", "plbr7009", "alias", "plumb:vni 7009")
            try ns.ip("tuntap", "add", "pltap9", "mode", "tap")
            try ns.ip("link", "set", "pltap9", "group", "20556", "alias", "plumb:mz0/vm9/eth0", "master", "plbr7009")
            // Not Plumb's: a bridge with a Plumb-like name, a tap named as the document wants, a device in the group
            // with someone else's alias.
            try ns.ip("link", "add", "plbr7008", "type", "bridge")
            try ns.ip("tuntap", "add", "pltap3", "mode", "tap")
            try ns.ip("link", "add", "br-ops", "group", "20556", "type", "bridge")
            try ns.ip("link", "set", "br-ops", "alias", "operators")

            let report = try ns.run { try host.reconciler().apply(H.desired) }
            XCTAssertEqual(report.errors.map(\.item), ["tap pltap3"])
            XCTAssertTrue(report.errors[0].message.contains("not Plumb's"), report.errors[0].message)
            XCTAssertTrue(report.operations.contains(Operation(item: "link pltap9", .deleteLink(name: "pltap9"))))
            XCTAssertTrue(report.operations.contains(Operation(item: "link plbr7009", .deleteLink(name: "plbr7009"))))
            let links = try host.links()
            XCTAssertNil(links["pltap9"])
            XCTAssertNil(links["plbr7009"])
            for kept in ["plbr7008", "pltap3", "br-ops", "ul0", "ul1"] { XCTAssertNotNil(links[kept], kept) }
            XCTAssertNil(links["pltap3"]?["master"], "the look-alike tap was not enslaved")
            XCTAssertEqual(links["pltap3"]?["group"] as? String, "default")

            // Everything else of the document is in place.
            var rest = H.desired
            rest.networks[1].taps = []
            try ns.ip("link", "set", "br-ops", "group", "default")
            try host.assertPlumbing(rest)
        }
    }

    func testInterruptedApplyConvergesWithAFreshReconciler() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let plan = try ns.run { try host.reconciler().plan(H.desired) }
            XCTAssertGreaterThan(plan.count, 20)
            for cut in stride(from: 1, to: plan.count, by: 4) {
                // "Killed" after `cut` operations: the first agent runs only a prefix of its plan.
                let partial = try ns.run { try host.reconciler().execute(Array(plan.prefix(cut))) }
                XCTAssertEqual(partial.errors, [], "prefix \(cut)")
                let fresh = try host.reconciler()
                let report = try ns.run { try fresh.apply(H.desired) }
                XCTAssertEqual(report.errors, [], "after prefix \(cut)")
                XCTAssertEqual(report.operations.count + cut, plan.count, "after prefix \(cut): the rest of the plan, no more")
                try host.assertPlumbing(H.desired)
                XCTAssertEqual(try ns.run { try fresh.plan(H.desired) }, [], "after prefix \(cut)")
                XCTAssertEqual(try ns.run { try fresh.cleanup() }.errors, [])
            }
        }
    }

    func testOneFailingItemIsReportedAndTheRestApplied() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            // Someone else's VXLAN device already uses VNI 7002 on this address and port: the kernel refuses a second.
            try ns.ip("link", "add", "intruder", "type", "vxlan", "id", "7002", "local", "198.18.0.1", "dstport", "4789")
            let report = try ns.run { try reconciler.apply(H.desired) }
            XCTAssertEqual(report.errors.map(\.item), ["network 7002"])
            XCTAssertTrue(report.errors[0].message.hasPrefix("create vxlan plvx7002"), report.errors[0].message)
            // Network 7001 is complete; of 7002 only the bridge made before the refusal exists, its tap was skipped.
            XCTAssertEqual(try host.groupMembers(), ["plbr7001", "plvx7001", "pltap1", "pltap2", "plbr7002"])
            try ns.ip("link", "del", "intruder")
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            try host.assertPlumbing(H.desired)
        }
    }

    func testDevicesLeftInTheDeletionGroupAreDeletedAndRemade() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            // A deletion interrupted after the move into the deletion group: a wanted tap and a stale bridge wait there.
            let deletionGroup = String(AgentConfiguration.defaultDeletionGroup)
            try ns.ip("link", "set", "pltap1", "group", deletionGroup)
            try ns.ip("link", "add", "plbr7009", "group", deletionGroup, "type", "bridge")
            try ns.ip("link", "set", "plbr7009", "alias", "plumb:vni 7009")
            let report = try ns.run { try reconciler.apply(H.desired) }
            XCTAssertEqual(report.errors, [])
            XCTAssertTrue(report.operations.contains(Operation(item: "tap pltap1", .deleteLink(name: "pltap1"))))
            XCTAssertTrue(report.operations.contains(Operation(item: "link plbr7009", .deleteLink(name: "plbr7009"))))
            XCTAssertTrue(report.operations.contains(Operation(item: "tap pltap1", parentItem: "network 7001",
                                                               .createTap(name: "pltap1", mtu: 1450, alias: "plumb:mz1/vm-pltap1/eth0"))))
            XCTAssertNil(try host.links()["plbr7009"])
            try host.assertPlumbing(H.desired)
            XCTAssertEqual(try ns.ipJSON("link", "show", "group", deletionGroup).filter { $0["ifname"] != nil }.count, 0)
        }
    }

    func testCleanupRemovesPlumbsDevicesAndNothingElse() throws {
        try NetworkNamespace.with { ns in
            let host = try H(ns)
            let reconciler = try host.reconciler()
            XCTAssertEqual(try ns.run { try reconciler.apply(H.desired) }.errors, [])
            try ns.ip("link", "add", "plbr7008", "type", "bridge")
            let others = Set(try host.links().keys).subtracting(try host.groupMembers())
            let report = try ns.run { try reconciler.cleanup() }
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(report.operations.count, 7)
            XCTAssertEqual(Set(try host.links().keys), others)
            XCTAssertEqual(try ns.run { try reconciler.cleanup() }, ApplyReport())
        }
    }
}
