import Foundation
import PlumbModel
import PlumbTestSupport
import XCTest

/// The scenario of issue 4 with real processes: the test's own bed of three hypervisor namespaces, the
/// controller on its embedded PostgreSQL, one `plumb-agent run` per hypervisor. Two experiments are
/// materialized; frames written into VMs' taps must arrive at every other member of their network on other
/// hosts, and nowhere else; dematerializing must leave no Plumb device on any host and every identifier
/// back in its pool.
final class EndToEndScenarioTests: XCTestCase {
    private var bed: EndToEndBed?

    override func setUpWithError() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("end-to-end tests need root (network namespaces, taps)") }
        bed = try EndToEndBed(databaseURL: nil)
    }

    override func tearDown() {
        bed?.tearDown()
        bed = nil
    }

    func testTwoExperimentsCarryTheirOwnTrafficAndLeaveNothingBehind() throws {
        let bed = try XCTUnwrap(bed)
        let poolsBefore = try bed.poolGauges()
        let a = try bed.materialize("A", try Scenario.experimentA)
        let b = try bed.materialize("B", try Scenario.experimentB)
        let nics = VMNIC.all(a) + VMNIC.all(b)
        func nic(_ label: String) throws -> VMNIC { try XCTUnwrap(nics.first { $0.description == label }, label) }

        // Every host has a bridge and a VXLAN device per VNI it carries and a tap per VM NIC (ip -j link).
        for host in bed.testbed.hosts {
            let devices = Set(try bed.testbed.plumbDevices(host))
            let taps = Set(nics.filter { $0.host == host }.map(\.tap))
            let vnis = Set(([a, b] as [Materialization]).flatMap { m in
                m.networks.filter { network in nics.contains { $0.host == host && $0.materialization == m.id && $0.network == network.name } }
                    .map(\.vni)
            })
            let expected = taps.union(vnis.flatMap { ["plbr\($0)", "plvx\($0)"] })
            XCTAssertEqual(devices, expected, "Plumb devices on \(host)")
        }

        // Each sender: broadcast and unicast reach every member of its network on other hosts; a member on the
        // same host only when the network allows local traffic; nothing reaches any other network.
        for sender in [try nic("A/a1/eth0"), try nic("A/a3/eth0"), try nic("A/a1/eth1"), try nic("B/b1/eth0"), try nic("B/b2/eth0")] {
            let listeners = nics.filter { $0 != sender }
            let members = listeners.filter { $0.sharesNetwork(with: sender) }
            let allowLocal = ([a, b] as [Materialization]).first { $0.id == sender.materialization }!
                .networks.first { $0.name == sender.network }!.allowLocal
            let reachable = members.filter { $0.host != sender.host || allowLocal }
            let exchange = try bed.exchange(from: sender, listeners: listeners, unicastTo: members, expecting: reachable)
            // Unknown unicast floods, as on any switch, and no bridge has learnt a MAC yet (no VM spoke before): a
            // unicast to X floods to the ports of X's host (its bridge does not know X's port), of the sender's host
            // (likewise), and, when X is on the sender's host, to the network's other hosts (the overlay has no FDB
            // entry for a local MAC). Any other host never sees it: the VXLAN device sends it to X's host only.
            for listener in listeners {
                let got = exchange.at(listener)
                if reachable.contains(listener) {
                    let own: Set = [exchange.broadcast, exchange.unicast[listener]!]
                    let flooded = Set(members.filter { $0.host == listener.host || $0.host == sender.host || listener.host == sender.host }
                        .map { exchange.unicast[$0]! })
                    XCTAssertEqual(got.subtracting(flooded.subtracting(own)), own, "\(sender) -> \(listener)")
                } else if members.contains(listener) {
                    XCTAssertEqual(got, [], "\(sender) -> \(listener): same host, isolated ports")
                } else {
                    XCTAssertEqual(got, [], "\(sender) -> \(listener): another network")
                }
            }
        }

        let poolsHeld = try bed.poolGauges()
        XCTAssertEqual(poolsHeld[Self.vni("allocated")], 3, "lan and link of A, lan of B")
        XCTAssertEqual(poolsHeld[Self.mac("allocated")], nics.count)

        // Dematerialize with hv3's agent stopped: what hv3 carried stays quarantined until hv3 confirms.
        let hv3 = try XCTUnwrap(bed.agents["hv3"])
        hv3.terminate()
        try bed.dematerialize("A", waitingFor: ["hv1", "hv2"])
        try bed.dematerialize("B", waitingFor: ["hv1", "hv2"])
        let poolsWaiting = try bed.poolGauges()
        XCTAssertEqual(poolsWaiting[Self.vni("allocated")], 0)
        // At least what hv3 carried (both LANs' VNIs, a3's and b3's MACs) waits; the controller may hold more
        // (it ends quarantines per materialization, once every host it touched confirmed).
        XCTAssertGreaterThanOrEqual(poolsWaiting[Self.vni("quarantined")] ?? 0, 2, "the two LANs reached hv3")
        XCTAssertGreaterThanOrEqual(poolsWaiting[Self.mac("quarantined")] ?? 0, nics.filter { $0.host == "hv3" }.count)
        XCTAssertEqual(poolsWaiting[Self.vni("free")], (poolsWaiting[Self.vni("size")] ?? 0) - (poolsWaiting[Self.vni("quarantined")] ?? 0))
        XCTAssertFalse(try bed.testbed.plumbDevices("hv3").isEmpty, "hv3 still carries its plumbing")

        try bed.startAgent("hv3")
        let generation = try XCTUnwrap(try bed.admin.hosts().hosts.first { $0.name == "hv3" }).generation
        try bed.waitUntilApplied(["hv3": generation], what: "the removals")
        for host in bed.testbed.hosts {
            XCTAssertEqual(try bed.testbed.plumbDevices(host), [], "Plumb devices left on \(host)")
            let left = Set(try bed.testbed.allDevices(host)).intersection(nics.map(\.tap))
            XCTAssertEqual(left, [], "taps left on \(host)")
        }
        let poolsAfter = try bed.poolGauges()
        for series in [Self.vni("allocated"), Self.vni("quarantined"), Self.mac("allocated"), Self.mac("quarantined")] {
            XCTAssertEqual(poolsAfter[series], 0, series)
        }
        XCTAssertEqual(poolsAfter[Self.vni("free")], poolsBefore[Self.vni("free")], "every VNI back in its pool")
        XCTAssertEqual(poolsAfter[Self.vni("free")], poolsAfter[Self.vni("size")])
    }

    static func vni(_ gauge: String) -> String { "plumb_pool_\(gauge){pool=\"vni\",scope=\"\"}" }
    static func mac(_ gauge: String) -> String { "plumb_pool_\(gauge){pool=\"mac\",scope=\"\"}" }
}
