@testable import PlumbControllerServer
import XCTest

/// Series names and label values of the controller's metrics (pure).
final class MetricsNamingTests: XCTestCase {
    func testHummingbirdsRequestTimerBecomesPlumbsLatencySeriesWithOrderedLabels() {
        let (name, labels) = ControllerMetrics.prometheusSeries("http.server.request.duration", [
            ("http.route", "/v1/facility"), ("http.request.method", "PUT"), ("http.response.status_code", "200"),
        ])
        XCTAssertEqual(name, "plumb_http_request_duration_seconds")
        XCTAssertEqual(labels.map(\.0), ["method", "route", "status"])
        XCTAssertEqual(labels.map(\.1), ["PUT", "/v1/facility", "200"])
    }

    func testUnknownNamesAndLabelsKeepOnlyCharactersPrometheusAccepts() {
        let (name, labels) = ControllerMetrics.prometheusSeries("some.library-metric", [("peer.address", "x")])
        XCTAssertEqual(name, "some_library_metric")
        XCTAssertEqual(labels.map(\.0), ["peer_address"])
    }

    func testLabelValuesEscapeBackslashQuoteAndNewlineAndNothingElse() {
        XCTAssertEqual(ControllerMetrics.escaped("vf:hv0007"), "vf:hv0007")
        XCTAssertEqual(ControllerMetrics.escaped("a\\b\"c\nd é"), "a\\\\b\\\"c\\nd é")
    }
}
