import PlumbTestSupport
import XCTest

extension XCTestCase {
    /// Skips the test on a kernel without VLAN-filtering bridges (this machine's), and fails it inside the real-kernel
    /// lane, where `KernelLaneTests` runs it and every feature must be there.
    func requireVLANFilteringBridges() throws {
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root to create network namespaces and devices")
        let supported = try NetworkNamespace.with { ns in
            (try? ns.ip("link", "add", "probe", "type", "bridge", "vlan_filtering", "1")) != nil
        }
        if !supported {
            if KernelLane.isInside {
                XCTFail("the lane's kernel refused a VLAN-filtering bridge")
                throw XCTSkip("failed above")
            }
            throw XCTSkip("this kernel has no VLAN-filtering bridges; KernelLaneTests runs these tests in scripts/kernel-lane.sh")
        }
    }
}
