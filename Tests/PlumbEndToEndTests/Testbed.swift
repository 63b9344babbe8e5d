import Foundation
import PlumbModel
import PlumbTestSupport

/// The test's own bed of hypervisor namespaces, made and removed by `scripts/testbed.sh` under a prefix and
/// underlay subnet of its own, so it can exist beside the demo's or another test process's.
final class Testbed {
    let prefix: String
    /// The underlay is 198.18.`net`.0/24.
    private(set) var net = 0
    let hostCount: Int

    /// Brings a bed up under a prefix of this test process; if its subnet is taken (another process's bed),
    /// tries a few others. Removes whatever was made if that fails.
    init(hosts: Int = 3) throws {
        let pid = Int(getpid())
        prefix = "pe\(pid % 100_000)"
        hostCount = hosts
        var lastError: Error?
        for attempt in 0..<5 {
            net = 100 + (pid + 37 * attempt) % 150
            do {
                try run("up")
                return
            } catch {
                down()
                lastError = error
            }
        }
        throw lastError!
    }

    /// `hv1`, `hv2`, ...: the facility's names of the hypervisors.
    var hosts: [String] { (1...hostCount).map { "hv\($0)" } }

    /// The namespace of hypervisor `host` (`hv1` ...).
    func namespace(_ host: String) -> String { "\(prefix)-\(host)" }

    /// This machine's address on the underlay, where the agents reach the controller.
    var gateway: String { "198.18.\(net).254" }

    /// A facility with the bed's hypervisors (all behind one leaf) and VNIs `vnis`.
    func facility(vnis: ClosedRange<Int> = 5000...5099) -> Facility {
        Self.facility(net: net, hosts: hostCount, vnis: vnis)
    }

    /// The facility of a bed on 198.18.`net`.0/24 with `hosts` hypervisors `hv1`... behind one leaf.
    static func facility(net: Int, hosts: Int, vnis: ClosedRange<Int> = 5000...5099) -> Facility {
        Facility(vniRanges: [.init(first: vnis.lowerBound, last: vnis.upperBound)],
                 leaves: [.init(name: "leaf1", vtepIp: IPv4Address("198.18.255.1")!, vlanRange: .init(first: 100, last: 199))],
                 hypervisors: (1...hosts).map {
                     .init(name: "hv\($0)", vtepIp: IPv4Address("198.18.\(net).\($0)")!, leaf: "leaf1", underlayNic: "underlay0",
                           underlayMtu: 1500)
                 })
    }

    /// Every device in Plumb's link group in hypervisor `host`'s namespace (`ip -d -j link show group`), by name.
    func plumbDevices(_ host: String) throws -> [String] {
        let output = try NetworkNamespace.Command.run("ip", ["-n", namespace(host), "-j", "link", "show", "group", "20556"])
        return try NetworkNamespace.objects(output.standardOutput).compactMap { $0["ifname"] as? String }.sorted()
    }

    /// Every device in hypervisor `host`'s namespace (`ip -j link show`), by name.
    func allDevices(_ host: String) throws -> [String] {
        let output = try NetworkNamespace.Command.run("ip", ["-n", namespace(host), "-j", "link", "show"])
        return try NetworkNamespace.objects(output.standardOutput).compactMap { $0["ifname"] as? String }.sorted()
    }

    /// Removes the bed (safe to call twice).
    func down() {
        _ = try? NetworkNamespace.Command.execute(ProductPath.script("testbed.sh"), ["--prefix", prefix, "--net", String(net), "down"])
    }

    private func run(_ command: String) throws {
        try NetworkNamespace.Command.run(ProductPath.script("testbed.sh"),
                                         ["--prefix", prefix, "--net", String(net), "--hosts", String(hostCount), command])
    }
}
