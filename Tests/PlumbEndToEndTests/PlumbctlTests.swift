import Foundation
import PlumbModel
import PlumbTestSupport
import XCTest

/// `plumbctl` as an operator runs it, against a real controller (and, for --wait, real agents).
final class PlumbctlTests: XCTestCase {
    private var bed: EndToEndBed?
    private var controller: ControllerProcess?
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("plumbctl-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        bed?.tearDown()
        bed = nil
        controller?.stop()
        controller = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private struct Outcome {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs plumbctl with the admin token file of `controller` (unless the arguments name another).
    private func plumbctl(_ arguments: [String], controller: ControllerProcess?) throws -> Outcome {
        var global: [String] = []
        if let controller {
            global = ["--controller", controller.baseURL, "--token-file", controller.dataDirectory.appendingPathComponent("admin.token").path]
        }
        let output = try NetworkNamespace.Command.execute(ProductPath.executable("plumbctl"), global + arguments)
        return Outcome(status: output.status, output: output.standardOutput, errors: output.standardError)
    }

    private func write<T: Encodable>(_ value: T, _ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try PlumbJSON.encode(value).write(to: url)
        return url.path
    }

    func testAnExperimentsLifeThroughPlumbctl() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("needs root (network namespaces for the agents)") }
        let bed = try EndToEndBed(databaseURL: try TestPostgres.shared.makeDatabase())
        self.bed = bed
        let controller = bed.controller

        let facility = try plumbctl(["facility", "apply", try write(bed.testbed.facility(), "facility.json")], controller: controller)
        XCTAssertEqual(facility.status, 0, facility.errors)
        XCTAssertTrue(facility.output.contains("facility applied: 3 hypervisors, 1 leaves"), facility.output)
        let hypervisor = try XCTUnwrap(bed.testbed.facility().hypervisors.first)
        let patchFile = try write(FacilityPatch(hypervisors: [.init(name: hypervisor.name, underlayMtu: hypervisor.underlayMtu)]),
                                  "patch.json")
        let patched = try plumbctl(["facility", "patch", patchFile], controller: controller)
        XCTAssertEqual(patched.status, 0, patched.errors)
        XCTAssertTrue(patched.output.contains("facility patched: 3 hypervisors, 1 leaves"), patched.output)
        XCTAssertTrue(patched.output.contains(hypervisor.name), patched.output)

        let spec = ProductPath.packageRoot.appendingPathComponent("scripts/demo/experiment-a.json").path
        let materialize = try plumbctl(["materialize", spec, "--id", "A", "--wait", "--timeout", "60"], controller: controller)
        XCTAssertEqual(materialize.status, 0, materialize.errors)
        XCTAssertTrue(materialize.errors.contains("A: 3/3 hosts applied"), materialize.errors)
        let stored = try bed.admin.materialization(id: "A")
        XCTAssertEqual(stored.status.state, .ready)
        XCTAssertTrue(materialize.output.hasPrefix("materialization A: ready"), materialize.output)
        for nic in VMNIC.all(stored) {
            let row = materialize.output.split(separator: "\n").first { $0.contains(nic.mac) }
            XCTAssertNotNil(row, "a row for \(nic)")
            for field in [nic.vm, nic.host, nic.network, "virtio", "tap \(nic.tap)"] {
                XCTAssertTrue(row?.contains(field) ?? false, "\(field) in \(row ?? "")")
            }
        }

        let status = try plumbctl(["--json", "status", "A"], controller: controller)
        XCTAssertEqual(status.status, 0, status.errors)
        XCTAssertEqual(try PlumbJSON.decode(Materialization.self, from: Data(status.output.utf8)).vms, stored.vms)

        // The agents reported their attachments and the controller serves them now that A is ready: plumbctl renders
        // them (the tap, MAC and the network's MTU); an unknown VM is refused.
        let vm = try XCTUnwrap(stored.vms.first)
        let reported = vm.nics.compactMap(\.attachment)
        XCTAssertEqual(reported.map(\.tap), vm.nics.map(\.tap))
        XCTAssertEqual(reported.map(\.mtu), vm.nics.map(\.mtu))
        let attachments = try plumbctl(["attachments", "A", vm.name, "--libvirt"], controller: controller)
        XCTAssertEqual(attachments.status, 0, attachments.errors)
        XCTAssertEqual(attachments.output, try Attachment.libvirtXML(reported))
        let unknown = try plumbctl(["attachments", "A", "no-such-vm"], controller: controller)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.errors.contains("has no VM 'no-such-vm'"), unknown.errors)
        let list = try plumbctl(["status"], controller: controller)
        XCTAssertTrue(list.output.split(separator: "\n").contains { $0.hasPrefix("A ") && $0.contains("ready") }, list.output)

        let hosts = try plumbctl(["hosts"], controller: controller)
        XCTAssertEqual(hosts.status, 0, hosts.errors)
        for host in bed.testbed.hosts {
            XCTAssertTrue(hosts.output.split(separator: "\n").contains { $0.hasPrefix("\(host) ") && $0.contains("converged") }, hosts.output)
        }

        let vni = stored.networks[0].vni
        let audit = try plumbctl(["audit", "vni", String(vni)], controller: controller)
        XCTAssertEqual(audit.status, 0, audit.errors)
        XCTAssertTrue(audit.output.contains("A "), audit.output)
        XCTAssertTrue(audit.output.contains("network lan"), audit.output)
        // A moment while A held it (this machine's clock is the controller's and the database's).
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let whileHeld = formatter.string(from: Date())

        let dematerialize = try plumbctl(["dematerialize", "A", "--wait"], controller: controller)
        XCTAssertEqual(dematerialize.status, 0, dematerialize.errors)
        XCTAssertTrue(dematerialize.errors.contains("A: 3/3 hosts applied"), dematerialize.errors)
        for host in bed.testbed.hosts { XCTAssertEqual(try bed.testbed.plumbDevices(host), [], host) }
        let audited = try plumbctl(["--json", "audit", "vni", String(vni)], controller: controller)
        let holdings = try PlumbJSON.decode(VNIAudit.self, from: Data(audited.output.utf8)).holdings
        XCTAssertEqual(holdings.map(\.materialization), ["A"])
        XCTAssertEqual(holdings.map(\.state), [.freed], "freed once every agent confirmed")
        let then = try plumbctl(["--json", "audit", "vni", String(vni), "--at", whileHeld], controller: controller)
        XCTAssertEqual(then.status, 0, then.errors)
        let heldThen = try PlumbJSON.decode(VNIAudit.self, from: Data(then.output.utf8)).holdings
        XCTAssertEqual(heldThen.map { "\($0.materialization) \($0.state.rawValue)" }, ["A held"], "who held it at \(whileHeld)")
        let badTime = try plumbctl(["audit", "vni", String(vni), "--at", "yesterday"], controller: controller)
        XCTAssertEqual(badTime.status, 64)

        let again = try plumbctl(["dematerialize", "A"], controller: controller)
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.output.contains("nothing to dematerialize"), again.output)
        let gone = try plumbctl(["status", "A"], controller: controller)
        XCTAssertEqual(gone.status, 1)
        XCTAssertTrue(gone.errors.contains("HTTP 404 not_found"), gone.errors)
    }

    func testAttachmentsRenderFromAFileWithoutAController() throws {
        let attachments = [
            Attachment(materialization: "A", vm: "a1", nic: "eth0", kind: .tap, mac: MACAddress("02:00:00:00:00:0a")!, mtu: 1450,
                       tap: "pltap17", tapIfindex: 17),
            Attachment(materialization: "A", vm: "a2", nic: "eth0", kind: .tap, tap: "pltap18"),
        ]
        let file = try write(attachments, "attachments.json")
        let qemu = try plumbctl(["attachments", "A", "a1", "--from", file], controller: nil)
        XCTAssertEqual(qemu.status, 0, qemu.errors)
        XCTAssertEqual(qemu.output, """
            -netdev tap,id=plumb-eth0,ifname=pltap17,script=no,downscript=no \\
            -device virtio-net-pci,netdev=plumb-eth0,mac=02:00:00:00:00:0a,host_mtu=1450

            """)
        let libvirt = try plumbctl(["attachments", "A", "a1", "--libvirt", "--from", file], controller: nil)
        XCTAssertEqual(libvirt.output, try Attachment.libvirtXML([attachments[0]]))
        let none = try plumbctl(["attachments", "B", "a1", "--from", file], controller: nil)
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.errors.contains("has no attachment of VM a1 of materialization B"), none.errors)
    }

    func testTokenWritesAPrivateFileTheControllerAccepts() throws {
        let controller = try ControllerProcess(databaseURL: try TestPostgres.shared.makeDatabase())
        self.controller = controller
        _ = try controller.adminClient().putFacility(Testbed.facility(net: 0, hosts: 1))
        let file = directory.appendingPathComponent("hv1.token").path
        let token = try plumbctl(["token", "hv1", "--output", file], controller: controller)
        XCTAssertEqual(token.status, 0, token.errors)
        XCTAssertEqual(token.output, "token for hv1 written to \(file)\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let host = controller.client(token: try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertNoThrow(try host.desired(host: "hv1", after: nil), "the host's token reads its own desired state")
    }

    func testErrorsAreClearAndExitNonZero() throws {
        let controller = try ControllerProcess(databaseURL: try TestPostgres.shared.makeDatabase())
        self.controller = controller
        _ = try controller.adminClient().putFacility(Testbed.facility(net: 0, hosts: 1))

        let unknownHost = MaterializationSpec(networks: [.init(name: "lan")],
                                              vms: [.init(name: "vm", hypervisor: "nowhere", nics: [.init(network: "lan")])])
        let refused = try plumbctl(["materialize", try write(unknownHost, "bad.json"), "--id", "x"], controller: controller)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.errors.hasPrefix("plumbctl: refused (HTTP "), refused.errors)
        XCTAssertTrue(refused.errors.contains("in vms[0].hypervisor"), refused.errors)

        let malformed = directory.appendingPathComponent("malformed.json")
        try Data(#"{"networks": [{"name": 7}], "vms": []}"#.utf8).write(to: malformed)
        let invalid = try plumbctl(["materialize", malformed.path], controller: controller)
        XCTAssertEqual(invalid.status, 65)
        XCTAssertTrue(invalid.errors.contains("at networks[0].name"), invalid.errors)
        let typo = directory.appendingPathComponent("typo.json")
        try Data(#"{"networks": [{"name": "lan"}], "vms": [{"name": "vm", "hypervisor": "hv0", "nics": [{"network": "lan", "passthru": true}]}]}"#.utf8)
            .write(to: typo)
        let unknown = try plumbctl(["materialize", typo.path], controller: controller)
        XCTAssertEqual(unknown.status, 65)
        XCTAssertTrue(unknown.errors.contains("at vms[0].nics[0].passthru"), unknown.errors)

        let missing = try plumbctl(["facility", "apply", directory.appendingPathComponent("none.json").path], controller: controller)
        XCTAssertEqual(missing.status, 66)

        let wrongToken = directory.appendingPathComponent("wrong.token")
        try Data("not-the-token\n".utf8).write(to: wrongToken)
        chmod(wrongToken.path, 0o600)
        let forbidden = try plumbctl(["hosts", "--controller", controller.baseURL, "--token-file", wrongToken.path], controller: nil)
        XCTAssertEqual(forbidden.status, 77, forbidden.errors)

        let noTokenFile = try plumbctl(["hosts", "--controller", controller.baseURL, "--token-file", "/nonexistent/admin.token"],
                                       controller: nil)
        XCTAssertEqual(noTokenFile.status, 78)
        XCTAssertTrue(noTokenFile.errors.contains("/nonexistent/admin.token"), noTokenFile.errors)

        let port = controller.port
        controller.stop()
        let unreachable = try plumbctl(["hosts", "--controller", "http://127.0.0.1:\(port)", "--token-file", wrongToken.path],
                                       controller: nil)
        XCTAssertEqual(unreachable.status, 69)
        XCTAssertTrue(unreachable.errors.contains("connection refused"), unreachable.errors)
    }
}
