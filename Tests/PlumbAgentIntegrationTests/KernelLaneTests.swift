import Foundation
import PlumbTestSupport
import XCTest

/// The real-kernel lane (`scripts/kernel-lane.sh`) boots, runs a command as root with a writable /tmp, streams its
/// output and returns its exit status; and the kernel it boots has what this machine's lacks.
///
/// One boot per test (about 1.5 to 3 minutes under TCG on 2 shared cores), so each test asks for many things at once.
final class KernelLaneTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipIf(KernelLane.isInside, "already inside the lane")
        if let reason = KernelLane.unavailableReason { throw XCTSkip(reason) }
    }

    /// 802.1Q devices, a VLAN-filtering bridge (802.1Q and 802.1ad) and a VXLAN device in `external vnifilter` mode
    /// with a VLAN→VNI mapping are all refused by this machine's kernel and accepted by the lane's. The command ends
    /// with exit status 23 after its last check, so the status seen here is the guest command's own.
    func testLaneKernelHasVLANsFilteringBridgesAndVNIFilter() throws {
        let script = """
            set -eu
            uname -r
            echo scratch > /tmp/lane-writable && rm /tmp/lane-writable
            ip link add dummy0 type dummy
            ip link add link dummy0 name dummy0.100 type vlan id 100
            ip link add link dummy0 name dummy0.200 type vlan proto 802.1ad id 200
            ip -d -j link show dummy0.200 | grep -q '"protocol":"802.1ad"'
            ip link add br0 type bridge vlan_filtering 1 vlan_default_pvid 0
            ip -d -j link show br0 | grep -q '"vlan_filtering":1'
            ip link add brad type bridge vlan_filtering 1 vlan_protocol 802.1ad
            ip -d -j link show brad | grep -q '"vlan_protocol":"802.1ad"'
            ip link add vx0 type vxlan dstport 4789 local 198.18.0.1 nolearning external vnifilter
            ip link set vx0 master br0
            bridge link set dev vx0 vlan_tunnel on
            bridge vlan add dev vx0 vid 100
            bridge vlan add dev vx0 vid 100 tunnel_info id 5000
            bridge vni add dev vx0 vni 5000
            bridge -j vlan tunnelshow dev vx0 | grep -q '"tunid":5000'
            bridge -j vni show dev vx0 | grep -q '"vni":5000'
            echo lane-checks-passed
            exit 23
            """
        let output = try KernelLane.run(["sh", "-c", script])
        XCTAssertNotEqual(output.status, KernelLane.notInstalledStatus, output.standardError)
        XCTAssertEqual(output.status, 23, "stdout:\n\(output.standardOutput)\nstderr:\n\(output.standardError)")
        XCTAssertTrue(output.standardOutput.hasPrefix("6.1."), "the lane boots Debian 12's 6.1 kernel: \(output.standardOutput)")
        XCTAssertTrue(output.standardOutput.contains("lane-checks-passed"))
    }

    /// The netlink tests that this machine's kernel cannot run (the leaf's VLAN-aware bridge, 802.1Q and 802.1ad, SR-IOV
    /// VFs on netdevsim, vfio-pci behind the emulated IOMMU) and those it runs only in part, run inside the lane from
    /// this very test binary: one boot, every test run, none skipped, none failed.
    func testAgentNetlinkTestsPassOnTheLaneKernel() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let suites = ["LeafKernelTests", "LeafFramesTests", "LeafProcessFramesTests", "LeafNetlinkRequestsVsIproute2Tests",
                      "NetlinkRequestsVsIproute2Tests", "NetlinkLinkLifecycleTests", "NetdevsimVFTests", "VFIOLaneTests"]
        // The guest has no udev rule that loads tun for /dev/net/tun (its node appears when the module loads).
        let output = try KernelLane.run(["sh", "-c", "modprobe tun && exec env \"$0\"=1 \"$1\" \"$2\"",
                                         KernelLane.insideVariable, binary,
                                         suites.map { "PlumbAgentIntegrationTests.\($0)" }.joined(separator: ",")])
        let log = "stdout:\n\(output.standardOutput)\nstderr:\n\(output.standardError)"
        XCTAssertEqual(output.status, 0, log)
        let text = output.standardOutput + output.standardError
        for suite in suites {
            XCTAssertTrue(text.contains("Test Suite '\(suite)' passed"), "\(suite) did not pass in the lane\n\(log)")
        }
        XCTAssertFalse(text.contains(" skipped"), "no test may skip in the lane\n\(log)")
        XCTAssertTrue(text.contains("with 0 failures"), log)
    }
}
