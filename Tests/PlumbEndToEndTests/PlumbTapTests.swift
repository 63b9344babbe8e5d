import Foundation
import PlumbTestSupport
import XCTest

/// `plumb-tap` on taps made with iproute2 (`vnet_hdr`, persistent, as the agent makes them) in a bridge of a
/// namespace of the test's own: frames cross, marked frames are told from the kernel's, failures are clear.
final class PlumbTapTests: XCTestCase {
    private var namespace: NetworkNamespace?

    override func setUpWithError() throws {
        guard NetworkNamespace.isRoot else { throw XCTSkip("needs root (network namespaces, taps)") }
        let ns = try NetworkNamespace()
        namespace = ns
        try ns.ip("link", "add", "br0", "type", "bridge")
        try ns.ip("link", "set", "br0", "up")
        for tap in ["t1", "t2"] {
            try ns.ip("tuntap", "add", "dev", tap, "mode", "tap", "vnet_hdr")
            try ns.ip("link", "set", tap, "master", "br0", "up")
        }
    }

    override func tearDown() {
        namespace?.delete()
        namespace = nil
    }

    private func tap(_ arguments: [String]) throws -> NetworkNamespace.Command.Output {
        try NetworkNamespace.Command.execute("ip", ["netns", "exec", namespace!.name, ProductPath.executable("plumb-tap")] + arguments)
    }

    func testFramesCrossTheBridgeAndTheTapKeepsItsFlags() throws {
        let ns = try XCTUnwrap(namespace)
        let receiver = try TapReceiver(namespace: ns.name, tap: "t2")
        let sent = try tap(["send", "--tap", "t1", "--src", "02:00:00:00:00:01", "--dst", "ff:ff:ff:ff:ff:ff", "--count", "3",
                            "--payload", "hi", "--interval-ms", "0"])
        XCTAssertEqual(sent.status, 0, sent.standardError)
        XCTAssertEqual(sent.standardOutput.split(separator: "\n").count, 3)
        XCTAssertTrue(receiver.waitFor(payloads: ["hi #1", "hi #2", "hi #3"]), "\(receiver.frames)")
        let frames = receiver.stop()
        XCTAssertEqual(frames.map(\.payload), ["hi #1", "hi #2", "hi #3"])
        XCTAssertTrue(frames.allSatisfy { $0.src == "02:00:00:00:00:01" && $0.dst == "ff:ff:ff:ff:ff:ff" && $0.ethertype == "0x88b5" })
        // Attaching replaces a tap's flags with the attacher's: plumb-tap asks for the agent's.
        let info = try XCTUnwrap(ns.ipJSON("-d", "link", "show", "t1").first?["linkinfo"] as? [String: Any])
        let data = try XCTUnwrap(info["info_data"] as? [String: Any])
        XCTAssertEqual(data["vnet_hdr"] as? Bool, true)
        XCTAssertEqual(data["persist"] as? Bool, true)
    }

    func testReceiveCountsOnlyMarkedFramesAndSaysWhenTooFewArrived() throws {
        let outcome = try tap(["receive", "--tap", "t2", "--timeout", "1", "--count", "1"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.standardOutput, "", "the kernel's own frames (IPv6 ND, MLD) are not printed")
        XCTAssertTrue(outcome.standardError.contains("0 of 1 frames arrived before the timeout"), outcome.standardError)
    }

    func testUnusableTapsAreRefusedClearly() throws {
        let missing = try tap(["send", "--tap", "nope", "--src", "02:00:00:00:00:01", "--dst", "02:00:00:00:00:02"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.standardError.contains("no device named nope"), missing.standardError)
        XCTAssertEqual(try namespace!.ipJSON("link", "show").compactMap { $0["ifname"] as? String }.filter { $0 == "nope" }, [],
                       "no tap is created by the attempt")

        let bridge = try tap(["send", "--tap", "br0", "--src", "02:00:00:00:00:01", "--dst", "02:00:00:00:00:02"])
        XCTAssertEqual(bridge.status, 2)
        XCTAssertTrue(bridge.standardError.contains("br0 is not a tap"), bridge.standardError)

        let receiver = try TapReceiver(namespace: namespace!.name, tap: "t2")
        let busy = try tap(["send", "--tap", "t2", "--src", "02:00:00:00:00:01", "--dst", "02:00:00:00:00:02"])
        receiver.stop()
        XCTAssertEqual(busy.status, 2)
        XCTAssertTrue(busy.standardError.contains("tap t2 is in use by another process"), busy.standardError)

        try namespace!.ip("link", "set", "t1", "down")
        let down = try tap(["send", "--tap", "t1", "--src", "02:00:00:00:00:01", "--dst", "02:00:00:00:00:02"])
        XCTAssertEqual(down.status, 2)
        XCTAssertTrue(down.standardError.contains("tap t1 is down"), down.standardError)

        let badMAC = try tap(["send", "--tap", "t1", "--src", "02:00:00:00:01", "--dst", "02:00:00:00:00:02"])
        XCTAssertEqual(badMAC.status, 64)
    }
}
