import PlumbController
import PlumbModel
import XCTest

/// A host that applied a materialization's generation but reported errors for its items leaves it
/// `failed`, naming the host, the item and the message; errors for other items do not.
final class ReadinessErrorTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await declareFacility()
    }

    /// hv0: one virtio NIC, one VF on eno4 and one passthrough NIC on eno3; leaf0 maps the network.
    private func materialize(_ id: String = "exp") async throws -> Materialization {
        try await store.materialize(id: id, spec: Fixture.spec(
            networks: [MaterializationSpec.Network(name: "net")],
            vms: [("vm", "hv0", [MaterializationSpec.NIC(network: "net"),
                                 MaterializationSpec.NIC(network: "net", mechanism: .vfio, pf: "eno4"),
                                 MaterializationSpec.NIC(network: "net", mechanism: .passthrough, pf: "eno3")])])).materialization
    }

    private func report(_ host: HostKey, _ errors: [HostStatusReport.ItemError]) async throws {
        let generation = try await store.generation(of: host)
        try await store.reportStatus(host, report: HostStatusReport(appliedGeneration: generation, errors: errors))
    }

    func testEachItemOfTheMaterializationOnTheHostFailsIt() async throws {
        let m = try await materialize()
        let nics = m.vms[0].nics
        let items = ["tap \(nics[0].tap!)", "vf eno4/\(nics[1].vfIndex!)", "pf eno4", "passthrough 0000:5e:00.0",
                     "network \(m.networks[0].vni)"]
        try await report(.leaf("leaf0"), [])
        for item in items {
            let error = HostStatusReport.ItemError(item: item, message: "boom")
            try await report(.hypervisor("hv0"), [error])
            let status = try await store.materialization(id: "exp").status
            XCTAssertEqual(status.state, .failed, item)
            XCTAssertEqual(status.hosts.map(\.state), [.failed, .ready], item)
            XCTAssertEqual(status.hosts[0].errors, [error], item)
            XCTAssertEqual(status.hosts[1].errors, [], item)
            let listed = try await store.materializations().materializations.map(\.state)
            XCTAssertEqual(listed, [.failed], item)
        }
        // The next report without errors makes it ready.
        try await report(.hypervisor("hv0"), [])
        let ready = try await store.materialization(id: "exp").status
        XCTAssertEqual(ready.state, .ready)
    }

    func testErrorsForOtherItemsOrAnOlderGenerationDoNotCount() async throws {
        let m = try await materialize()
        let other = try await store.materialize(id: "other", spec: Fixture.simple([.virtio, .vfio], hypervisor: "hv0")).materialization
        let otherNICs = other.vms[0].nics
        let notMine = [HostStatusReport.ItemError(item: "tap \(otherNICs[0].tap!)", message: "boom"),
                       HostStatusReport.ItemError(item: "vf \(otherNICs[1].pf!)/\(otherNICs[1].vfIndex!)", message: "boom"),
                       HostStatusReport.ItemError(item: "network \(other.networks[0].vni)", message: "boom"),
                       HostStatusReport.ItemError(item: "pf 0000:3b:00.1", message: "cannot give back")]
        try await report(.leaf("leaf0"), [])
        try await report(.hypervisor("hv0"), notMine)
        let status = try await store.materialization(id: "exp").status
        XCTAssertEqual(status.state, .ready, "\(status)")
        let otherState = try await store.materialization(id: "other").status.state
        XCTAssertEqual(otherState, .failed)

        // Errors reported with a generation older than the one that carries it: pending, not failed.
        let tap = HostStatusReport.ItemError(item: "tap \(m.vms[0].nics[0].tap!)", message: "boom")
        _ = try await store.materialize(id: "later", spec: Fixture.simple([.virtio], hypervisor: "hv0"))
        try await store.reportStatus(.hypervisor("hv0"),
                                     report: HostStatusReport(appliedGeneration: m.status.hosts[0].requiredGeneration - 1, errors: [tap]))
        let pending = try await store.materialization(id: "exp").status
        XCTAssertEqual(pending.hosts[0].state, .pending)
        XCTAssertEqual(pending.hosts[0].errors, [])
    }

    func testALeafErrorForTheNetworkItMapsFailsIt() async throws {
        let m = try await materialize()
        try await report(.hypervisor("hv0"), [])
        let error = HostStatusReport.ItemError(item: "network \(m.networks[0].vni)", message: "no VLAN-aware bridge")
        try await report(.leaf("leaf0"), [error])
        let status = try await store.materialization(id: "exp").status
        XCTAssertEqual(status.state, .failed)
        XCTAssertEqual(status.hosts.map(\.host), ["hv0", "leaf0"])
        XCTAssertEqual(status.hosts[1].errors, [error])
    }
}
