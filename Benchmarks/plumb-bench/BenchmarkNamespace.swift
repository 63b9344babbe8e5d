import Foundation
import PlumbTestSupport

/// A fresh network namespace for one contender of the agent-apply benchmark, with the underlay the scenario names
/// (veth `ul0`, 198.18.0.1/24, up). Deleted by ``delete()`` or, if the benchmark is interrupted, at exit.
final class BenchmarkNamespace {
    let namespace: NetworkNamespace
    private let cleanup: Int

    var name: String { namespace.name }

    init() throws {
        let namespace = try NetworkNamespace(prefix: "plbench")
        self.namespace = namespace
        cleanup = ExitCleanup.shared.register { namespace.delete() }
        do {
            try namespace.ip("link", "add", AgentApplyScenario.underlay, "type", "veth", "peer", "name", "ul1")
            try namespace.ip("address", "add", "\(AgentApplyScenario.local)/24", "dev", AgentApplyScenario.underlay)
            try namespace.ip("link", "set", AgentApplyScenario.underlay, "up")
        } catch {
            delete()
            throw error
        }
    }

    func delete() { ExitCleanup.shared.run(cleanup) }

    /// Runs `body` on a thread inside the namespace.
    func run<T>(_ body: @escaping () throws -> T) throws -> T { try namespace.run(body) }

    /// What iproute2 reports of the plumbing that the benchmark builds, one line per device and per VXLAN
    /// forwarding entry (no indexes or random MACs), for comparing contenders.
    func plumbing() throws -> [String] {
        let links = try namespace.ipJSON("-d", "link", "show").compactMap { link -> String? in
            guard let name = link["ifname"] as? String, name != "lo", !name.hasPrefix("ul") else { return nil }
            let info = link["linkinfo"] as? [String: Any]
            let data = info?["info_data"] as? [String: Any]
            let slave = info?["info_slave_data"] as? [String: Any]
            let up = (link["flags"] as? [String] ?? []).contains("UP")
            let fields: [Any?] = [name, info?["info_kind"], link["mtu"], link["group"], link["ifalias"], link["master"], up,
                                  slave?["isolated"], data?["id"], data?["local"], data?["port"], data?["learning"], data?["link"],
                                  data?["type"], data?["vnet_hdr"], data?["user"], data?["group"]]
            return fields.map { "\($0 ?? "-")" }.joined(separator: " ")
        }
        let fdb = try namespace.bridgeJSON("fdb", "show").compactMap { entry -> String? in
            guard let dst = entry["dst"] else { return nil }
            return "fdb \(entry["mac"] ?? "-") \(entry["ifname"] ?? "-") \(dst)"
        }
        return (links + fdb).sorted()
    }

    /// Number of devices in link group `group` (iproute2 6.1 prints `[{}]` for an empty group: entries without a
    /// name are not devices).
    func devices(inGroup group: UInt32) throws -> Int {
        try namespace.ipJSON("link", "show", "group", "\(group)").filter { $0["ifname"] != nil }.count
    }
}
