import Foundation
import PlumbController
import PlumbModel
import Prometheus

/// The controller's Prometheus series.
///
/// Request counts and latency are recorded by Hummingbird's `MetricsMiddleware` through swift-metrics into
/// a ``PrometheusCollectorRegistry`` (the one the process bootstraps swift-metrics with, through
/// ``ControllerMetrics/factory(registry:)``); pool and host gauges are read from the database at each scrape
/// and written after the registry's series, so a pool or host that is gone leaves no stale series.
public struct ControllerMetrics: Sendable {
    /// The registry `/metrics` exposes.
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// The whole exposition: the registry's series, then pool, host and long-poll gauges.
    public func exposition(pools: [PoolUsage], hosts: HostList, heldPolls: Int) -> String {
        registry.emitToString() + Self.gauges(pools: pools, hosts: hosts, heldPolls: heldPolls)
    }

    /// `plumb_pool_{size,allocated,quarantined,free}{pool,scope}`, `plumb_hosts{kind,state}` (every
    /// kind and state, zeros included) and `plumb_long_polls_held` in the Prometheus text format.
    static func gauges(pools: [PoolUsage], hosts: HostList, heldPolls: Int) -> String {
        var text = ""
        let poolSeries: [(String, String, KeyPath<PoolUsage, Int>)] = [
            ("plumb_pool_size", "Values the pool can hand out at all.", \.size),
            ("plumb_pool_allocated", "Values held by live materializations.", \.allocated),
            ("plumb_pool_quarantined", "Values released but not yet torn down on every host that had them.", \.quarantined),
            ("plumb_pool_free", "Values available for new allocations.", \.free),
        ]
        for (name, help, value) in poolSeries {
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for usage in pools {
                text += "\(name){pool=\"\(escaped(usage.pool))\",scope=\"\(escaped(usage.scope))\"} \(usage[keyPath: value])\n"
            }
        }
        text += "# HELP plumb_hosts Hosts by kind and state.\n# TYPE plumb_hosts gauge\n"
        let states: [HostList.Host.State] = [.converged, .pending, .unresponsive, .unknown]
        for kind in [HostReadiness.Kind.hypervisor, .leaf] {
            for state in states {
                let count = hosts.hosts.filter { $0.kind == kind && $0.state == state }.count
                text += "plumb_hosts{kind=\"\(kind.rawValue)\",state=\"\(state.rawValue)\"} \(count)\n"
            }
        }
        text += "# HELP plumb_long_polls_held Desired-state requests this controller holds until a change or their timeout.\n"
        text += "# TYPE plumb_long_polls_held gauge\nplumb_long_polls_held \(heldPolls)\n"
        return text
    }

    /// A label value with `\`, `"` and newlines escaped as the text format requires.
    static func escaped(_ value: String) -> String {
        // Pool names are plain ("vf:hv0007"): one pass over their bytes decides, so a scrape of thousands of
        // pools builds no copies.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        var escaped = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
