import Foundation
import Logging
import PlumbModel
import PlumbPostgres
import PlumbTestSupport
import XCTest

/// Faults with real processes: an agent killed in the middle of applying, the controller stopped, PostgreSQL
/// restarted under a running controller. Each test brings up its own bed and removes it in tearDown.
final class EndToEndFaultTests: XCTestCase {
    private var bed: EndToEndBed?
    private var postgres: EmbeddedPostgres?

    override func setUpWithError() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("end-to-end tests need root (network namespaces, taps)") }
    }

    override func tearDown() {
        bed?.tearDown()
        bed = nil
        if let postgres {
            postgres.stop()
            try? FileManager.default.removeItem(at: postgres.directory)
        }
        postgres = nil
    }

    /// One network, `count` VMs on hv1 and one on hv2.
    private static func crowd(_ count: Int) -> MaterializationSpec {
        MaterializationSpec(networks: [.init(name: "lan")],
                            vms: (1...count).map { .init(name: "vm\($0)", hypervisor: "hv1", nics: [.init(network: "lan")]) }
                                + [.init(name: "far", hypervisor: "hv2", nics: [.init(network: "lan")])])
    }

    func testAnAgentKilledWhileApplyingConvergesWhenRestarted() throws {
        let bed = try EndToEndBed(databaseURL: try TestPostgres.shared.makeDatabase())
        self.bed = bed
        let agent = try XCTUnwrap(bed.agents["hv1"])
        let spec = Self.crowd(150)
        let materialization = try bed.admin.materialize(id: "crowd", spec: spec)
        let taps = VMNIC.all(materialization).filter { $0.host == "hv1" }
        // The agent logs each operation as it applies it: kill it (SIGKILL, no clean-up) a few dozen in.
        let started = bed.poll(limit: 60, every: 0.001) { agent.logText.components(separatedBy: "applying").count > 40 }
        agent.kill()
        XCTAssertTrue(started, "hv1's agent never started applying:\n\(bed.agentLogs())")
        let partial = try bed.testbed.plumbDevices("hv1")
        XCTAssertGreaterThan(partial.count, 0, "the agent had made something")
        XCTAssertLessThan(partial.count, taps.count + 2, "the agent was killed before it had made everything")
        XCTAssertNotEqual(try bed.admin.materialization(id: "crowd").status.state, .ready)

        try bed.startAgent("hv1")
        let ready = try bed.waitUntilReady("crowd")
        let devices = Set(try bed.testbed.plumbDevices("hv1"))
        let vni = ready.networks[0].vni
        XCTAssertEqual(devices, Set(taps.map(\.tap) + ["plbr\(vni)", "plvx\(vni)"]))
        let far = try XCTUnwrap(VMNIC.all(ready).first { $0.host == "hv2" })
        let last = try XCTUnwrap(taps.last)
        let exchange = try bed.exchange(from: last, listeners: [far], unicastTo: [far], expecting: [far])
        XCTAssertEqual(exchange.at(far), [exchange.broadcast, exchange.unicast[far]!])
    }

    func testTrafficFlowsWhileTheControllerIsDownAndAgentsConvergeWhenItIsBack() throws {
        let bed = try EndToEndBed(databaseURL: try TestPostgres.shared.makeDatabase())
        self.bed = bed
        let a = try bed.materialize("A", try Scenario.experimentA)
        let nics = VMNIC.all(a)
        let a1 = try XCTUnwrap(nics.first { $0.description == "A/a1/eth0" })
        let a2 = try XCTUnwrap(nics.first { $0.description == "A/a2/eth0" })

        try bed.restartController {
            let exchange = try bed.exchange(from: a1, listeners: [a2], unicastTo: [a2], expecting: [a2])
            XCTAssertEqual(exchange.at(a2), [exchange.broadcast, exchange.unicast[a2]!], "traffic with the controller down")
            for (host, agent) in bed.agents {
                XCTAssertTrue(agent.waitForLog(containing: "retrying later", limit: 30), "\(host)'s agent retries:\n\(agent.logText)")
                XCTAssertTrue(agent.isRunning, "\(host)'s agent keeps running")
            }
        }
        // Back: a change made now reaches every agent.
        let b = try bed.materialize("B", try Scenario.experimentB)
        XCTAssertEqual(try bed.admin.materialization(id: "A").status.state, .ready)
        let b1 = try XCTUnwrap(VMNIC.all(b).first { $0.description == "B/b1/eth0" })
        let b3 = try XCTUnwrap(VMNIC.all(b).first { $0.description == "B/b3/eth0" })
        let exchange = try bed.exchange(from: b1, listeners: [b3], unicastTo: [b3], expecting: [b3])
        XCTAssertEqual(exchange.at(b3), [exchange.broadcast, exchange.unicast[b3]!])
    }

    func testTheControllerRecoversFromAPostgreSQLRestartWithoutARestartOfItsOwn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-e2e-pg-\(UUID().uuidString)")
        let postgres = EmbeddedPostgres(directory: directory, settings: ["fsync": "off"], logger: Logger(label: "test.postgres"))
        self.postgres = postgres
        let url = try postgres.start()
        let bed = try EndToEndBed(databaseURL: url)
        self.bed = bed
        _ = try bed.materialize("A", try Scenario.experimentA)
        let pid = bed.controller.processIdentifier

        try postgres.restart()

        // The first requests after the restart may meet a dead connection; within a bounded time they must not.
        var created: Materialization?
        let recovered = bed.poll(limit: 60, every: 0.5) {
            created = try? bed.admin.materialize(id: "B", spec: try Scenario.experimentB)
            return created != nil
        }
        XCTAssertTrue(recovered, "the controller answers again after PostgreSQL restarted:\n\(bed.controller.logText.suffix(3000))")
        XCTAssertTrue(bed.controller.isRunning)
        XCTAssertEqual(bed.controller.processIdentifier, pid)
        // The server's "FATAL: terminating connection due to administrator command" reaches the log as a
        // log line, not as libpq's raw line on standard error.
        let rawLibpqLines = bed.controller.logText.split(separator: "\n").filter { $0.hasPrefix("FATAL:") || $0.hasPrefix("WARNING:") }
        XCTAssertEqual(rawLibpqLines, [], bed.controller.logText.suffix(3000).description)
        let b = try bed.waitUntilReady("B")
        let b1 = try XCTUnwrap(VMNIC.all(b).first { $0.description == "B/b1/eth0" })
        let b2 = try XCTUnwrap(VMNIC.all(b).first { $0.description == "B/b2/eth0" })
        let exchange = try bed.exchange(from: b1, listeners: [b2], unicastTo: [b2], expecting: [b2])
        XCTAssertEqual(exchange.at(b2), [exchange.broadcast, exchange.unicast[b2]!])
    }
}
