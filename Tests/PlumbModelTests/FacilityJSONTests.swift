import Foundation
import PlumbModel
import XCTest

/// A facility's wire JSON, written member by member (``Facility/wireJSON()``), is byte for byte what Foundation's encoder
/// writes, and writes every member the types hold.
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

    func testTheWireJSONIsFoundationsBytes() throws {
        for count in [0, 1, 2, 7, 512, 3001] {
            let facility = facility(hypervisors: count)
            XCTAssertEqual(String(decoding: facility.wireJSON(), as: UTF8.self),
                           String(decoding: try PlumbJSON.encode(facility), as: UTF8.self), "\(count) hypervisors")
        }
        let empty = Facility(vniRanges: [], leaves: [], hypervisors: [])
        XCTAssertEqual(empty.wireJSON(), try PlumbJSON.encode(empty))
        XCTAssertEqual(try PlumbJSON.decode(Facility.self, from: facility(hypervisors: 2000).wireJSON()), facility(hypervisors: 2000))
    }

    /// `wireJSON` writes each member by hand: a member added to one of the types must be added there too (and given
    /// in the fixture above), which this count is here to say.
    func testEveryStoredMemberIsWritten() {
        let sample = facility(hypervisors: 4)
        let written: [(Any, Int)] = [(sample, 4), (sample.vniRanges[0], 2), (sample.leaves[0], 9), (sample.hypervisors[3], 7),
                                     (sample.hypervisors[3].nics[0], 7)]
        for (value, members) in written {
            XCTAssertEqual(Mirror(reflecting: value).children.count, members,
                           "\(type(of: value)) has a member Facility.wireJSON does not write; write it there and count it here")
        }
    }
}
