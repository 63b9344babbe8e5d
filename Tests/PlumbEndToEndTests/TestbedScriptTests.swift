import Foundation
import PlumbTestSupport
import XCTest

/// `scripts/testbed.sh`: up is idempotent and completes a half-made bed, down removes everything and may run
/// twice, status says what is missing.
final class TestbedScriptTests: XCTestCase {
    private let prefix = "tb\(getpid() % 100_000)"
    private var net: String { String(50 + Int(getpid()) % 40) }

    override func setUpWithError() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("needs root (network namespaces)") }
    }

    override func tearDown() {
        _ = try? script("down")
    }

    private func script(_ command: String) throws -> NetworkNamespace.Command.Output {
        try NetworkNamespace.Command.execute(ProductPath.script("testbed.sh"), ["--prefix", prefix, "--net", net, command])
    }

    private func namespaces() throws -> [String] {
        try NetworkNamespace.Command.run("ip", ["netns", "list"]).standardOutput.split(separator: "\n")
            .map { String($0.split(separator: " ")[0]) }.filter { $0.hasPrefix(prefix + "-") }.sorted()
    }

    func testUpTwiceDownTwice() throws {
        XCTAssertEqual(try script("up").status, 0)
        let made = try namespaces()
        XCTAssertEqual(made, ["\(prefix)-fabric", "\(prefix)-hv1", "\(prefix)-hv2", "\(prefix)-hv3"])
        let underlay = try NetworkNamespace.objects(
            NetworkNamespace.Command.run("ip", ["-n", "\(prefix)-hv2", "-j", "address", "show", "underlay0"]).standardOutput)
        let addresses = (underlay.first?["addr_info"] as? [[String: Any]] ?? []).compactMap { $0["local"] as? String }
        XCTAssertTrue(addresses.contains("198.18.\(net).2"), "\(addresses)")

        let again = try script("up")
        XCTAssertEqual(again.status, 0, again.standardError)
        XCTAssertEqual(try namespaces(), made)
        XCTAssertEqual(try script("status").status, 0)

        // A half-made bed (one hypervisor's underlay gone) is reported, and completed by up.
        try NetworkNamespace.Command.run("ip", ["-n", "\(prefix)-hv3", "link", "delete", "underlay0"])
        let broken = try script("status")
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.standardOutput.contains("\(prefix)-hv3: underlay0 missing"), broken.standardOutput)
        XCTAssertEqual(try script("up").status, 0)
        XCTAssertEqual(try script("status").status, 0)

        XCTAssertEqual(try script("down").status, 0)
        XCTAssertEqual(try namespaces(), [])
        XCTAssertEqual(try NetworkNamespace.Command.execute("ip", ["link", "show", "\(prefix)-gw"]).status, 1, "the gateway is gone")
        let twice = try script("down")
        XCTAssertEqual(twice.status, 0)
        XCTAssertTrue(twice.standardOutput.contains("nothing to remove"), twice.standardOutput)
    }
}
