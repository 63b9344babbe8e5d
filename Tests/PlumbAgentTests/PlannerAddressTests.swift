import PlumbAgentKit
import PlumbModel
import PlumbNetlink
import XCTest

/// No L3 presence on experiment networks: the planner takes every IPv4 and IPv6 address off Plumb's devices and
/// turns IPv6 address generation off where it is on; devices that are not Plumb's keep theirs.
final class PlannerAddressTests: XCTestCase {
    typealias F = PlannerFixture

    static let linkLocal = KernelAddress(index: 10, family: .ipv6, octets: [0xfe, 0x80] + Array(repeating: 0, count: 13) + [1],
                                         prefixLength: 64)
    static let ipv4 = KernelAddress(index: 12, family: .ipv4, octets: [10, 9, 0, 1], prefixLength: 24)

    func testDevicesWithAddressGenerationOffAndNoAddressPlanNothing() {
        let observed = F.converged.links.reduce(F.converged) { host, link in
            F.changing(host, link.name) { $0.ipv6AddressGenerationMode = IPv6AddressGeneration.off.rawValue }
        }
        XCTAssertEqual(F.plan(F.desired, observed), Plan())
    }

    func testAddressesAreRemovedAndAddressGenerationTurnedOffOnPlumbsDevicesOnly() {
        var observed = F.changing(F.converged, "plbr7001") {
            $0.ipv6AddressGenerationMode = IPv6AddressGeneration.eui64.rawValue
            $0.addresses = [Self.linkLocal]
        }
        observed = F.changing(observed, "pltap1") {
            $0.ipv6AddressGenerationMode = IPv6AddressGeneration.stablePrivacy.rawValue
            $0.addresses = [Self.ipv4]
        }
        // The underlay NIC is not Plumb's: its addresses and mode stay.
        observed = F.changing(observed, "eth0") {
            $0.ipv6AddressGenerationMode = IPv6AddressGeneration.eui64.rawValue
            $0.addresses = [KernelAddress(index: 2, family: .ipv4, octets: [198, 18, 0, 1], prefixLength: 24)]
        }
        XCTAssertEqual(F.plan(F.desired, observed).operations, [
            Operation(item: "network 7001", .disableIPv6AddressGeneration(link: "plbr7001")),
            Operation(item: "network 7001", .deleteAddress(link: "plbr7001", address: Self.linkLocal)),
            Operation(item: "tap pltap1", parentItem: "network 7001", .disableIPv6AddressGeneration(link: "pltap1")),
            Operation(item: "tap pltap1", parentItem: "network 7001", .deleteAddress(link: "pltap1", address: Self.ipv4)),
        ])
    }

    func testAddressesGoBeforeADownDeviceIsBroughtUp() {
        let observed = F.changing(F.converged, "plvx7001") {
            $0.isUp = false
            $0.ipv6AddressGenerationMode = IPv6AddressGeneration.random.rawValue
            $0.addresses = [Self.linkLocal]
        }
        XCTAssertEqual(F.plan(F.desired, observed).operations.map(\.description), [
            "set plvx7001 addrgenmode none",
            "delete address fe80::1/64 from plvx7001",
            "set plvx7001 up",
        ])
    }

    func testADeviceWithoutIPv6NeedsNoModeChange() {
        // nil: the kernel reports no inet6 settings (IPv6 disabled on the device); nothing to turn off.
        XCTAssertNil(F.converged.links.first { $0.name == "plbr7001" }?.ipv6AddressGenerationMode)
        XCTAssertEqual(F.plan(F.desired, F.converged), Plan())
    }
}
