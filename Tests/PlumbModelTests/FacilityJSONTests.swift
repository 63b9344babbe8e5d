import Foundation
import PlumbModel
import XCTest

/// A facility's wire JSON (``WireJSONEncoder``, in slices at once) is, byte for byte, what Foundation's encoder writes.
final class FacilityJSONTests: XCTestCase {
    /// `count` hypervisors with every optional member given on some and left out on others.
    private func facility(hypervisors count: Int) -> Facility {
        Facility(
            vniRanges: [Facility.NumberRange(first: 100, last: 999)], reservedVnis: [101],
            leaves: [Facility.Leaf(name: "leaf0", vtepIp: IPv4Address("198.18.0.1")!, vlanRange: Facility.NumberRange(first: 2, last: 99),
                                   mtu: 9000, underlayPort: "swp64", vlanProtocol: .dot1ad),
                     Facility.Leaf(name: "leaf1", vtepIp: IPv4Address("198.18.0.2")!, vlanRange: Facility.NumberRange(first: 2, last: 99),
                                   reservedVlans: [5, 6])],
            hypervisors: (0..<count).map { index in
                Facility.Hypervisor(
                    name: "hv\(index)", vtepIp: IPv4Address("198.19.\(index / 250).\(index % 250 + 1)")!, leaf: "leaf0",
                    underlayNic: index % 3 == 0 ? nil : "eno1", underlayMtu: 1500 + index % 7, reservedVlans: index % 5 == 0 ? [7] : [],
                    nics: (0..<index % 4).map { nic in
                        Facility.NIC(name: "eno\(nic + 1)", pciAddress: PCIAddress("0000:\(String(16 + nic, radix: 16)):00.0")!,
                                     leafPort: "swp\(index % 50)/\(nic)", vfLimit: nic * 8, mayMix: nic != 1,
                                     canStackVlans: nic == 2, passthrough: nic == 3)
                    })
            })
    }

    func testTheWireJSONIsFoundationsBytesInAnyNumberOfSlices() throws {
        for count in [0, 1, 7, 511, 512, 513, 1000, 3001] {
            let facility = facility(hypervisors: count)
            let foundations = try PlumbJSON.encode(facility)
            for parts in [1, 2, 3, 8] {
                XCTAssertEqual(try facility.wireJSON(parts: parts), foundations, "\(count) hypervisors in \(parts) parts")
            }
        }
        XCTAssertEqual(try PlumbJSON.decode(Facility.self, from: try facility(hypervisors: 2000).wireJSON(parts: 2)),
                       facility(hypervisors: 2000))
    }
}
