import Foundation
import Logging
import PlumbAgentKit
import PlumbModel
import PlumbTestSupport
import XCTest

/// A namespace playing one hypervisor for the reconciler tests: an underlay veth `ul0` carrying the VTEP address,
/// an empty sysfs-shaped directory and a state directory, and iproute2 checks of the plumbing a document asks for.
final class ReconcileTestHost {
    let ns: NetworkNamespace
    let directory: String
    let configuration: AgentConfiguration
    static let local = IPv4Address("198.18.0.1")!
    static let remotes = [IPv4Address("198.18.0.2")!, IPv4Address("198.18.0.3")!]
    static let remoteMAC = MACAddress("02:00:00:00:bb:01")!

    init(_ ns: NetworkNamespace) throws {
        self.ns = ns
        directory = NSTemporaryDirectory() + "plumb-reconcile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/sys", withIntermediateDirectories: true)
        configuration = AgentConfiguration(sysfsRoot: directory + "/sys", stateDirectory: directory + "/state",
                                           tapOwner: 4242, tapGroup: 4343)
        try ns.ip("link", "add", "ul0", "type", "veth", "peer", "name", "ul1")
        try ns.ip("address", "add", "198.18.0.1/24", "dev", "ul0")
        try ns.ip("link", "set", "ul0", "up")
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A reconciler made, like every call on it, on a thread inside the namespace.
    func reconciler() throws -> Reconciler {
        let configuration = configuration
        return try ns.run { try Reconciler(configuration: configuration, logger: Logger(label: "reconcile-test")) }
    }

    static func tap(_ name: String) -> HostDesiredState.Tap {
        HostDesiredState.Tap(name: name, mac: MACAddress("02:00:00:00:aa:01")!, materialization: "mz1", vm: "vm-\(name)", nic: "eth0")
    }

    /// Two networks: 7001 (isolated, two taps, two flood VTEPs, one static MAC) and 7002 (not isolated, one tap).
    static var desired: HostDesiredState {
        HostDesiredState(host: "hv1", generation: 1,
                         vtep: HostDesiredState.VTEP(localIp: local, underlayNic: "ul0", underlayMtu: 1500),
                         networks: [
                             HostDesiredState.Network(vni: 7001, isolated: true, flood: remotes,
                                                      fdb: [HostDesiredState.FDBEntry(mac: remoteMAC, vtep: remotes[0])],
                                                      taps: [tap("pltap1"), tap("pltap2")]),
                             HostDesiredState.Network(vni: 7002, isolated: false, flood: [remotes[1]], fdb: [], taps: [tap("pltap3")]),
                         ])
    }

    /// `ip -d -j link` by name.
    func links() throws -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: try ns.ipJSON("-d", "link", "show").map { ($0["ifname"] as? String ?? "", $0) })
    }

    /// Link flags that follow the operational state, which the kernel updates asynchronously (linkwatch, up to a
    /// second after a change): not settings, so left out of snapshots.
    private static let operationalFlags: Set<String> = ["NO-CARRIER", "LOWER_UP", "M-DOWN", "DORMANT"]

    /// The settings iproute2 reports that a reconcile could change (no counters, timers or operational state), one
    /// line per device and per forwarding entry, for before/after comparisons.
    func snapshot() throws -> [String] {
        let links = try ns.ipJSON("-d", "link", "show").map { link -> String in
            let info = link["linkinfo"] as? [String: Any]
            let slave = info?["info_slave_data"] as? [String: Any]
            let flags = (link["flags"] as? [String])?.filter { !Self.operationalFlags.contains($0) }
            let fields: [Any?] = [link["ifname"], link["ifindex"], link["mtu"], link["master"], link["group"], link["ifalias"],
                                  flags, info?["info_kind"], (info?["info_data"] as? [String: Any])?["id"], slave?["isolated"]]
            return fields.map { "\($0 ?? "-")" }.joined(separator: " ")
        }
        let fdb = try ns.bridgeJSON("fdb", "show").map { entry -> String in
            [entry["mac"], entry["ifname"], entry["dst"], entry["master"], entry["flags"]].map { "\($0 ?? "-")" }.joined(separator: " ")
        }
        return links.sorted() + fdb.sorted()
    }

    /// Names of the devices in Plumb's link group, as iproute2 reports them.
    func groupMembers() throws -> Set<String> {
        Set(try links().filter { $0.value["group"] as? String == String(AgentConfiguration.defaultLinkGroup) }.keys)
    }

    /// Checks with `ip -d -j link`, `bridge -d -j link` and `bridge -j fdb` that the namespace holds exactly the
    /// plumbing `desired` describes, and that Plumb's group holds nothing else.
    func assertPlumbing(_ desired: HostDesiredState, file: StaticString = #filePath, line: UInt = #line) throws {
        let links = try links()
        let ports = Dictionary(uniqueKeysWithValues: try ns.bridgeJSON("-d", "link", "show").map { ($0["ifname"] as? String ?? "", $0) })
        let fdb = try ns.bridgeJSON("fdb", "show")
        let mtu = desired.vtep.underlayMtu - Limits.vxlanOverhead
        var expected = Set<String>()
        func check(_ name: String, kind: String, master: String?, alias: String) throws -> [String: Any] {
            expected.insert(name)
            let link = try XCTUnwrap(links[name], "\(name) missing", file: file, line: line)
            XCTAssertEqual((link["linkinfo"] as? [String: Any])?["info_kind"] as? String, kind, name, file: file, line: line)
            XCTAssertEqual(link["master"] as? String, master, "\(name) master", file: file, line: line)
            XCTAssertEqual(link["mtu"] as? Int, mtu, "\(name) mtu", file: file, line: line)
            XCTAssertEqual(link["ifalias"] as? String, alias, "\(name) alias", file: file, line: line)
            XCTAssertTrue((link["flags"] as? [String] ?? []).contains("UP"), "\(name) up", file: file, line: line)
            return link
        }
        for network in desired.networks {
            let bridge = "plbr\(network.vni)", vxlan = "plvx\(network.vni)"
            _ = try check(bridge, kind: "bridge", master: nil, alias: "plumb:vni \(network.vni)")
            let vxlanLink = try check(vxlan, kind: "vxlan", master: bridge, alias: "plumb:vni \(network.vni)")
            let info = try XCTUnwrap((vxlanLink["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any], file: file, line: line)
            XCTAssertEqual(info["id"] as? Int, network.vni, file: file, line: line)
            XCTAssertEqual(info["local"] as? String, "\(desired.vtep.localIp)", file: file, line: line)
            XCTAssertEqual(info["port"] as? Int, 4789, file: file, line: line)
            XCTAssertEqual(info["learning"] as? Bool, false, file: file, line: line)
            XCTAssertEqual(info["link"] as? String, desired.vtep.underlayNic, file: file, line: line)
            XCTAssertEqual(ports[vxlan]?["isolated"] as? Bool, false, "\(vxlan) isolated", file: file, line: line)
            for tap in network.taps {
                let link = try check(tap.name, kind: "tun", master: bridge, alias: "plumb:\(tap.materialization)/\(tap.vm)/\(tap.nic)")
                let tun = (link["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                XCTAssertEqual(tun?["type"] as? String, "tap", file: file, line: line)
                XCTAssertEqual(tun?["vnet_hdr"] as? Bool, true, file: file, line: line)
                XCTAssertEqual(tun?["user"] as? String ?? (tun?["user"] as? Int).map(String.init), "4242", file: file, line: line)
                XCTAssertEqual(ports[tap.name]?["isolated"] as? Bool, network.isolated, "\(tap.name) isolated", file: file, line: line)
            }
            let entries = Set(fdb.filter { $0["ifname"] as? String == vxlan && $0["dst"] != nil }
                .map { "\($0["mac"] as? String ?? "") \($0["dst"] as? String ?? "")" })
            let wanted = Set(network.flood.map { "00:00:00:00:00:00 \($0)" } + network.fdb.map { "\($0.mac) \($0.vtep)" })
            XCTAssertEqual(entries, wanted, "\(vxlan) fdb", file: file, line: line)
        }
        XCTAssertEqual(try groupMembers(), expected, "devices in Plumb's group", file: file, line: line)
    }
}
