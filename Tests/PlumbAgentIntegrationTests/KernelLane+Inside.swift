import PlumbTestSupport
import XCTest

extension XCTestCase {
    /// Skips the test outside the real-kernel lane (`what` names the device only the lane has: netdevsim, an IOMMU);
    /// `KernelLaneTests` runs it inside `scripts/kernel-lane.sh`, where nothing may skip.
    func requireKernelLane(for what: String) throws {
        try XCTSkipUnless(KernelLane.isInside, "\(what) exists only in the real-kernel lane; KernelLaneTests runs this test there")
        try XCTSkipUnless(NetworkNamespace.isRoot, "needs root")
    }
}
