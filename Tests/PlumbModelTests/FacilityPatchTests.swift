import PlumbModel
import XCTest

/// Applying a facility patch (pure): named hypervisors change in place, member by member; nothing else moves;
/// a name not declared or named twice is refused naming the patch's field; refusals of the result point at it.
final class FacilityPatchTests: XCTestCase {
    private let declared = Facility(
        vniRanges: [Facility.NumberRange(first: 100, last: 199)],
        leaves: [Facility.Leaf(name: "leaf0", vtepIp: IPv4Address("198.18.0.1")!, vlanRange: Facility.NumberRange(first: 2, last: 9))],
        hypervisors: [
            Facility.Hypervisor(name: "hv0", vtepIp: IPv4Address("198.18.1.1")!, leaf: "leaf0", underlayNic: "eno1",
                                nics: [Facility.NIC(name: "eno1", pciAddress: PCIAddress("0000:01:00.0")!, leafPort: "swp1")]),
            Facility.Hypervisor(name: "hv1", vtepIp: IPv4Address("198.18.1.2")!, leaf: "leaf0", reservedVlans: [3]),
            Facility.Hypervisor(name: "hv2", vtepIp: IPv4Address("198.18.1.3")!, leaf: "leaf0"),
        ])

    func testGivenMembersReplaceAndTheRestStays() throws {
        let patch = FacilityPatch(hypervisors: [
            FacilityPatch.Hypervisor(name: "hv2", underlayMtu: 9000),
            FacilityPatch.Hypervisor(name: "hv0", vtepIp: IPv4Address("198.18.1.9")!, reservedVlans: [4], nics: []),
        ])
        let patched = try patch.apply(to: declared)
        var expected = declared
        expected.hypervisors[2].underlayMtu = 9000
        expected.hypervisors[0].vtepIp = IPv4Address("198.18.1.9")!
        expected.hypervisors[0].reservedVlans = [4]
        expected.hypervisors[0].nics = []
        XCTAssertEqual(patched, expected)
        XCTAssertEqual(patched.hypervisors.map(\.name), ["hv0", "hv1", "hv2"], "the declaration's order is kept")
        XCTAssertEqual(patched.hypervisors[0].underlayNic, "eno1", "a member left out stays")
        XCTAssertEqual(try FacilityPatch().apply(to: declared), declared, "an empty patch changes nothing")
    }

    func testAnUndeclaredOrRepeatedNameIsRefusedNamingThePatchField() {
        XCTAssertThrowsError(try FacilityPatch(hypervisors: [.init(name: "hv1"), .init(name: "hv7", underlayMtu: 9000)])
            .apply(to: declared)) { error in
            XCTAssertEqual(error as? APIError, .inconsistent("hypervisors[1].name",
                                                             "no hypervisor 'hv7' is declared (PUT /v1/facility declares new ones)"))
        }
        XCTAssertThrowsError(try FacilityPatch(hypervisors: [.init(name: "hv1"), .init(name: "hv0"), .init(name: "hv1")])
            .apply(to: declared)) { error in
            XCTAssertEqual((error as? APIError)?.field, "hypervisors[2].name")
            XCTAssertEqual((error as? APIError)?.status, 422)
        }
    }

    func testARefusalOfTheResultPointsAtThePatch() {
        let patch = FacilityPatch(hypervisors: [.init(name: "hv2"), .init(name: "hv1", underlayNic: "eno9")])
        // A refusal about a hypervisor the patch changed names the patch's entry.
        let aboutPatched = patch.pointedAtPatch(.inconsistent("hypervisors[1].underlay_nic", "unknown NIC 'eno9'"), in: declared)
        XCTAssertEqual(aboutPatched, .inconsistent("hypervisors[1].underlay_nic", "unknown NIC 'eno9'"))
        let aboutOther = patch.pointedAtPatch(.inconsistent("hypervisors[2].vtep_ip", "VTEP is already used by hv0"), in: declared)
        XCTAssertEqual(aboutOther.field, "hypervisors[0].vtep_ip", "hv2 is the patch's first entry")
        // One about a hypervisor the patch left alone names it, with the facility's field.
        let aboutUnpatched = patch.pointedAtPatch(.conflict("in_use", "eno1 holds VFs", field: "hypervisors[0].nics[0]"), in: declared)
        XCTAssertEqual(aboutUnpatched.field, "facility.hypervisors[0].nics[0]")
        XCTAssertEqual(aboutUnpatched.message, "declared hypervisor 'hv0': eno1 holds VFs")
        // Anything else is left as it is.
        let other = APIError.inconsistent("vni_ranges[0]", "overlaps")
        XCTAssertEqual(patch.pointedAtPatch(other, in: declared), other)
    }
}
