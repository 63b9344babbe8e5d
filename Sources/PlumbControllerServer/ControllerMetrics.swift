import Foundation
import PlumbController
import PlumbModel
import Prometheus

/// The controller's Prometheus series.
///
/// Request latency lives in a ``PrometheusCollectorRegistry`` (shared with whatever the process
/// bootstraps swift-metrics with); pool and host gauges are read from the database at each scrape
/// and written after the registry's series, so a pool or host that is gone leaves no stale series.
public struct ControllerMetrics: Sendable {
    /// The registry `/metrics` exposes.
    public let registry: PrometheusCollectorRegistry

    /// Upper bounds of the latency buckets, in seconds (long polls land in the last ones).
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    static let requestDuration = MetricNameDescriptor(
        namespace: "plumb", subsystem: "http", metricName: "request_duration", unitName: "seconds",
        helpText: "Time from request to response, by method, route template and status.")

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Records one answered request.
    public func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        registry.makeValueHistogram(descriptor: Self.requestDuration,
                                    labels: [("method", method), ("route", route), ("status", String(status))],
                                    buckets: Self.latencyBuckets)
            .record(seconds)
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
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
