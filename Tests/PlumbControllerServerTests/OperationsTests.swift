import Foundation
import PlumbHTTPClient
import PlumbModel
import XCTest

/// `/healthz` and `/metrics`.
final class OperationsTests: ServerTestCase {
    func testHealthzChecksTheDatabase() throws {
        let response = try raw("GET", "/healthz", token: nil)
        XCTAssertEqual(response.status, 200)
        let body = try JSONSerialization.jsonObject(with: response.body) as? [String: String]
        XCTAssertEqual(body?["database"], "ok")
    }

    func testMetricsExposeLatencyPoolsAndHosts() throws {
        // Request series count every in-process server of this test run: compare before and after.
        let latency = [
            #"plumb_http_request_duration_seconds_count{method="PUT",route="/v1/materializations/{id}",status="201"}"#,
            #"plumb_http_request_duration_seconds_count{method="GET",route="/v1/materializations/{id}",status="404"}"#,
            #"plumb_http_request_duration_seconds_bucket{method="PUT",route="/v1/facility",status="200",le="+Inf"}"#,
            #"plumb_http_requests_total{method="HEAD",route="/v1/facility",status="200"}"#,
        ]
        let before = try metricsText()
        _ = try admin.putFacility(TestFacility.facility())
        _ = try cogs.materialize(id: "m", spec: TestFacility.spec([.virtio, .vfio]))
        _ = try? cogs.materialization(id: "absent")
        XCTAssertEqual(try raw("HEAD", "/v1/facility").status, 200)
        let response = try raw("GET", "/metrics", token: nil)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type")?.hasPrefix("text/plain"), true)
        let text = String(decoding: response.body, as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))

        // Counts and latency by method, route template and status (HEAD answers too): one more of each.
        for series in latency {
            XCTAssertEqual(Self.value(of: series, in: text), Self.value(of: series, in: before) + 1, series)
        }
        // Pools: one VNI of ten, one VF of four on hv0's eth0.
        XCTAssertTrue(lines.contains(#"plumb_pool_allocated{pool="vni",scope=""} 1"#), text)
        XCTAssertTrue(lines.contains(#"plumb_pool_free{pool="vni",scope=""} 9"#), text)
        XCTAssertTrue(lines.contains(where: { $0.hasPrefix(#"plumb_pool_allocated{pool="vf",scope="hv0"#) && $0.hasSuffix(" 1") }), text)
        // Hosts by state: nobody has reported yet.
        XCTAssertTrue(lines.contains(#"plumb_hosts{kind="hypervisor",state="unknown"} 2"#), text)
        XCTAssertTrue(lines.contains(#"plumb_hosts{kind="leaf",state="unknown"} 1"#), text)
        XCTAssertTrue(lines.contains(#"plumb_hosts{kind="hypervisor",state="converged"} 0"#), text)
        XCTAssertTrue(lines.contains("plumb_long_polls_held 0"), text)
    }

    private func metricsText() throws -> String {
        String(decoding: try raw("GET", "/metrics", token: nil).body, as: UTF8.self)
    }

    /// The value of a series in an exposition, 0 when absent.
    private static func value(of series: String, in text: String) -> Int {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { $0.split(separator: " ").last }.flatMap { Int($0) } ?? 0
    }

    func testResponsesCarryARequestID() throws {
        let response = try raw("GET", "/v1/materializations")
        XCTAssertEqual(response.status, 200)
        XCTAssertFalse((response.header("X-Request-Id") ?? "").isEmpty)
    }
}
