import Prometheus

extension ControllerMetrics {
    /// Upper bounds of the request latency buckets (long polls land in the last ones).
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// Hummingbird's request metrics under the names Plumb's dashboards use, and their labels.
    static let seriesNames: [String: String] = [
        "http.server.request.duration": "plumb_http_request_duration_seconds",
        "hb.requests": "plumb_http_requests_total",
        "hb.request.errors": "plumb_http_request_errors_total",
        "http.server.active_requests": "plumb_http_active_requests",
    ]
    static let labelNames: [String: String] = [
        "http.request.method": "method", "http.route": "route", "http.response.status_code": "status", "error.type": "status",
    ]
    static let labelOrder = ["method", "route", "status"]

    /// The swift-metrics factory to bootstrap the process with (`MetricsSystem.bootstrap`): it writes into
    /// `registry` and renames what Hummingbird's `MetricsMiddleware` records to valid Prometheus series,
    /// `plumb_http_request_duration_seconds{method,route,status}` and the like.
    public static func factory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = latencyBuckets
        factory.nameAndLabelSanitizer = prometheusSeries
        return factory
    }

    /// A swift-metrics label and dimensions as a Prometheus name and labels (pure): known series renamed,
    /// anything else with the characters Prometheus refuses replaced by `_`; labels in a fixed order.
    static func prometheusSeries(_ label: String, _ dimensions: [(String, String)]) -> (String, [(String, String)]) {
        let name = seriesNames[label] ?? sanitized(label)
        let labels = dimensions.map { (labelNames[$0.0] ?? sanitized($0.0), $0.1) }
        let ordered = labels.sorted { (labelOrder.firstIndex(of: $0.0) ?? labelOrder.count) < (labelOrder.firstIndex(of: $1.0) ?? labelOrder.count) }
        return (name, ordered)
    }

    /// `name` with every character outside `[A-Za-z0-9_]` replaced by `_`.
    static func sanitized(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }
}
