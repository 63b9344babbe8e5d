import Foundation
import PlumbModel
import PlumbTestSupport
import XCTest

/// Real VMs on Plumb's plumbing: QEMU guests (TCG, direct kernel boot of Debian's kernel, see
/// `scripts/guest-image.sh`) started on the test bed's hypervisors with exactly the NIC arguments Plumb renders
/// (`Attachment.qemuArguments`) from the attachments the controller serves: what each hypervisor's agent reported
/// (tap, ifindex, MAC, the network's MTU) once it applied the materialization.
///
/// Four guests, booted once, several checks each: v1 and v3 on hv1, v2 on hv2 in experiment V (network `lan`,
/// isolated; `local`, allowing local traffic, for v1 and v3); w1 on hv2 in experiment W, on the same guest subnet.
final class RealGuestTests: XCTestCase {
    private var bed: EndToEndBed?
    private var guests: [QEMUGuest] = []

    override func tearDown() {
        for guest in guests { guest.kill() }
        guests = []
        bed?.tearDown()
        bed = nil
    }

    func testGuestsTalkAcrossTheOverlayAtTheMTUAndReachNothingElse() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("real guests need root (network namespaces, taps)") }
        guard QEMUGuest.qemu != nil else {
            throw XCTSkip("qemu-system-x86_64 is not installed (scripts/install-deps.sh installs qemu-system-x86)")
        }
        let prepared = GuestImage.prepare()
        guard let image = prepared.image else { throw XCTSkip("no guest image: \(prepared.problem ?? "?")") }

        let bed = try EndToEndBed(databaseURL: nil)
        self.bed = bed
        let v = try bed.materialize("V", MaterializationSpec(
            networks: [.init(name: "lan"), .init(name: "local", allowLocal: true)],
            vms: [
                .init(name: "v1", hypervisor: "hv1", nics: [.init(name: "eth0", network: "lan"), .init(name: "eth1", network: "local")]),
                .init(name: "v2", hypervisor: "hv2", nics: [.init(name: "eth0", network: "lan")]),
                .init(name: "v3", hypervisor: "hv1", nics: [.init(name: "eth0", network: "lan"), .init(name: "eth1", network: "local")]),
            ]))
        let w = try bed.materialize("W", MaterializationSpec(
            networks: [.init(name: "lan")], vms: [.init(name: "w1", hypervisor: "hv2", nics: [.init(name: "eth0", network: "lan")])]))

        // The handoff: each NIC's attachment as the controller serves it once the hypervisor applied the
        // materialization (GET /v1/materializations/ID); rendered by Plumb, passed to QEMU unchanged. The route
        // that renders renders the same.
        func attachments(_ vm: Materialization.VM, of materialization: Materialization) throws -> [Attachment] {
            let found = try XCTUnwrap(materialization.attachments(ofVM: vm.name))
            XCTAssertEqual(found.unreported, [], "\(materialization.id)/\(vm.name): the controller serves every NIC's attachment once ready")
            for (nic, attachment) in zip(vm.nics, found.attachments) {
                XCTAssertEqual(attachment.tap, nic.tap)
                XCTAssertEqual(attachment.mac, nic.mac)
                XCTAssertEqual(attachment.mtu, nic.mtu, "the tap has the network's MTU")
            }
            let rendered = try bed.controller.client(token: bed.controller.adminToken).http.send(
                method: "GET", url: bed.controller.baseURL + "/v1/materializations/\(materialization.id)/vms/\(vm.name)/attachments?format=qemu")
            XCTAssertEqual(rendered.status, 200)
            XCTAssertEqual(String(decoding: rendered.body, as: UTF8.self), try Attachment.qemuShellText(found.attachments))
            return found.attachments
        }
        let addresses: [String: [String: String]] = [
            "v1": ["eth0": "10.77.0.1/24", "eth1": "10.78.0.1/24"], "v2": ["eth0": "10.77.0.2/24"],
            "v3": ["eth0": "10.77.0.3/24", "eth1": "10.78.0.3/24"], "w1": ["eth0": "10.77.0.4/24"],
        ]
        var byName: [String: QEMUGuest] = [:]
        var mtus: [String: Int] = [:]
        for (materialization, vm) in v.vms.map({ (v, $0) }) + w.vms.map({ (w, $0) }) {
            let nics = try attachments(vm, of: materialization)
            mtus[vm.name] = nics.first?.mtu
            let guest = try QEMUGuest(name: vm.name, namespace: bed.testbed.namespace(vm.hypervisor), image: image,
                                      nicArguments: try Attachment.qemuArguments(nics), addresses: addresses[vm.name]!)
            guests.append(guest)
            byName[vm.name] = guest
        }
        var bootTimes: [String] = []
        for guest in guests { bootTimes.append("\(guest.name) \(Int(try guest.waitUntilReady(limit: 300))) s") }
        print("real guests booted: \(bootTimes.joined(separator: ", "))")
        let (v1, v2, v3, w1) = (byName["v1"]!, byName["v2"]!, byName["v3"]!, byName["w1"]!)
        let mtu = try XCTUnwrap(mtus["v1"])
        XCTAssertEqual(mtu, 1450, "underlay 1500 minus the VXLAN overhead")
        XCTAssertEqual(v.networks.map(\.mtu), [1450, 1450], "the network's MTU as the controller decided it")

        // The guest took its MTU from host_mtu: nothing in it set one.
        for guest in guests { XCTAssertEqual(try guest.run("cat /sys/class/net/eth0/mtu").output.trimmed, "\(mtu)", guest.name) }

        // Across the overlay (hv1 to hv2): ping, a full-size packet with DF, a larger one refused by the guest itself.
        XCTAssertEqual(try v1.run("\(Self.ping) -c 3 -W 3 10.77.0.2").status, 0, v1.console.suffix(1500).description)
        let full = try v1.run("\(Self.ping) -M do -c 2 -W 3 -s \(mtu - 28) 10.77.0.2")
        XCTAssertEqual(full.status, 0, full.output)
        let larger = try v1.run("\(Self.ping) -M do -c 1 -W 3 -s \(mtu - 27) 10.77.0.2")
        XCTAssertNotEqual(larger.status, 0, larger.output)
        XCTAssertTrue(larger.output.lowercased().contains("message too long"), "refused locally: \(larger.output)")

        // TCP at the MTU: 2 MiB from v1 to v2.
        // (busybox nc ends a connection when its standard input ends: the listener's must stay open.)
        XCTAssertEqual(try v2.run("sleep 600 | nc -l -p 5001 > /tmp/received 2>/dev/null &").status, 0)
        let sent = try v1.run("dd if=/dev/zero bs=1024 count=2048 2>/dev/null | nc 10.77.0.2 5001", limit: 120)
        XCTAssertEqual(sent.status, 0, sent.output)
        let received = try v2.run("for i in 1 2 3 4 5 6 7 8 9 10; do [ \"$(wc -c < /tmp/received)\" = 2097152 ] && break; sleep 1; done; wc -c < /tmp/received")
        XCTAssertEqual(received.output.trimmed, "2097152")

        // Co-located guests: isolated on `lan`, not on `local` (allow_local).
        XCTAssertNotEqual(try v1.run("\(Self.ping) -c 2 -W 2 10.77.0.3").status, 0, "v1 and v3 share hv1; lan isolates them")
        XCTAssertEqual(try v1.run("\(Self.ping) -c 2 -W 3 10.78.0.3").status, 0, "local allows traffic between v1 and v3")

        // Another experiment's guest on the same subnet is never reached, from its own host or another.
        XCTAssertNotEqual(try v1.run("\(Self.ping) -c 2 -W 2 10.77.0.4").status, 0)
        XCTAssertNotEqual(try v2.run("\(Self.ping) -c 2 -W 2 10.77.0.4").status, 0, "v2 and w1 share hv2")
        XCTAssertNotEqual(try w1.run("\(Self.ping) -c 2 -W 2 10.77.0.2").status, 0)

        // No address of the hypervisor answers: its underlay addresses (IPv4, routed onto eth0), and the IPv6
        // link-local addresses its bridge and v1's tap would have (EUI-64 of their MACs) if Plumb had left them any.
        let hv1 = bed.testbed.namespace("hv1")
        let lanVNI = try XCTUnwrap(v.networks.first { $0.name == "lan" }?.vni)
        let v1Tap = try XCTUnwrap(v.vms.first { $0.name == "v1" }?.nics.first?.tap)
        var linkLocals: [String] = []
        for device in ["plbr\(lanVNI)", v1Tap, "plvx\(lanVNI)"] {
            let link = try XCTUnwrap(try NetworkNamespace.objects(NetworkNamespace.Command.run(
                "ip", ["-n", hv1, "-j", "addr", "show", "dev", device]).standardOutput).first)
            XCTAssertEqual((link["addr_info"] as? [Any])?.count, 0, "\(device) on hv1 has no address")
            linkLocals.append(Self.eui64LinkLocal(try XCTUnwrap(link["address"] as? String)))
        }
        XCTAssertEqual(try v1.run("ip route add 198.18.0.0/15 dev eth0 && ip route add 10.0.0.0/8 dev eth1").status, 0)
        let underlay = bed.testbed.gateway.split(separator: ".").prefix(3).joined(separator: ".")
        for address in [bed.testbed.gateway, "\(underlay).1", "\(underlay).2"] {
            XCTAssertNotEqual(try v1.run("\(Self.ping) -c 1 -W 2 \(address)").status, 0, "hypervisor address \(address)")
        }
        for address in linkLocals {
            XCTAssertNotEqual(try v1.run("\(Self.ping) -6 -c 1 -W 2 \(address)%eth0").status, 0, "link-local \(address)")
        }
        // Everyone on the link answers an all-nodes ping: only guests do (v1 itself and v2 across the overlay).
        let allNodes = try v1.run("\(Self.ping) -6 -c 2 -W 3 ff02::1%eth0")
        let guestLinkLocals = Set(try [v1, v2].map { guest in
            Self.eui64LinkLocal(try guest.run("cat /sys/class/net/eth0/address").output.trimmed)
        })
        // iputils prints "64 bytes from fe80::…%eth0: icmp_seq=1 …".
        let responders = Set(allNodes.output.split(separator: "\n").compactMap { line -> String? in
            guard let from = line.range(of: "bytes from ") else { return nil }
            return String(line[from.upperBound...].prefix { $0 != "%" && $0 != " " }).trimmingCharacters(in: CharacterSet(charactersIn: ":"))
        })
        XCTAssertFalse(responders.isEmpty, allNodes.output)
        XCTAssertTrue(responders.isSubset(of: guestLinkLocals), "answered: \(responders.sorted()), guests: \(guestLinkLocals.sorted())")

        // Dematerialized (guests stopped first, as a hypervisor manager would), nothing of Plumb is left.
        for guest in guests { guest.kill() }
        try bed.dematerialize("V")
        try bed.dematerialize("W")
        for host in bed.testbed.hosts {
            XCTAssertEqual(try bed.testbed.plumbDevices(host), [], "Plumb devices left on \(host)")
            let taps = Set((v.vms + w.vms).flatMap { $0.nics.compactMap(\.tap) })
            XCTAssertEqual(Set(try bed.testbed.allDevices(host)).intersection(taps), [], "taps left on \(host)")
        }
    }

    /// iputils' ping (for `-M do`; busybox's shell would run its own ping applet for a bare `ping`).
    static let ping = "/usr/bin/ping"

    /// The EUI-64 link-local address of a MAC, as the kernel would make it (`fe80::` + MAC with the U/L bit flipped
    /// and `ff:fe` in the middle), in the compressed form iputils prints.
    static func eui64LinkLocal(_ mac: String) -> String {
        var octets = mac.split(separator: ":").compactMap { UInt8($0, radix: 16) }
        octets[0] ^= 0x02
        let bytes = octets[0..<3] + [0xFF, 0xFE] + octets[3..<6]
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[bytes.startIndex + $0]) << 8 | UInt16(bytes[bytes.startIndex + $0 + 1]), radix: 16) }
        // inet_ntop's form: a leading zero group joins the "::".
        return "fe80::" + groups.drop { $0 == "0" }.joined(separator: ":")
    }
}

private extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
