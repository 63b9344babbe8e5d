import PlumbController
import PlumbModel
import XCTest

final class SpecValidationTests: XCTestCase {
    private func spec(_ nics: [MaterializationSpec.NIC], networks: [String] = ["net0"]) -> MaterializationSpec {
        MaterializationSpec(networks: networks.map { MaterializationSpec.Network(name: $0) },
                            vms: [MaterializationSpec.VM(name: "vm0", hypervisor: "hv0", nics: nics)])
    }

    private func refusal(_ spec: MaterializationSpec, id: String = "m1") -> APIError? {
        do {
            _ = try SpecValidation.validate(id: id, spec: spec)
            return nil
        } catch {
            return error as? APIError
        }
    }

    func testNamesNICsByIndexWhenUnnamed() throws {
        let normalized = try SpecValidation.validate(id: "m1", spec: spec([
            MaterializationSpec.NIC(network: "net0"),
            MaterializationSpec.NIC(name: "data", network: "net0", mechanism: .vfio),
            MaterializationSpec.NIC(network: "net0"),
        ]))
        XCTAssertEqual(normalized.vms[0].nics.map(\.name), ["eth0", "data", "eth2"])
        XCTAssertEqual(normalized.vms[0].nics[1].mechanism, .vfio)
    }

    func testRefusesBadMaterializationID() {
        XCTAssertEqual(refusal(spec([]), id: "")?.field, "id")
        XCTAssertEqual(refusal(spec([]), id: "a/b")?.field, "id")
        XCTAssertEqual(refusal(spec([]), id: String(repeating: "x", count: 129))?.field, "id")
        XCTAssertNil(refusal(spec([]), id: String(repeating: "x", count: 128)))
    }

    func testRefusesUnknownNetworkNamingTheNIC() {
        let error = refusal(spec([MaterializationSpec.NIC(network: "net0"), MaterializationSpec.NIC(network: "nope")]))
        XCTAssertEqual(error?.status, 422)
        XCTAssertEqual(error?.field, "vms[0].nics[1].network")
        XCTAssertTrue(error?.message.contains("nope") == true)
    }

    func testRefusesDuplicates() {
        XCTAssertEqual(refusal(spec([], networks: ["a", "b", "a"]))?.field, "networks[2].name")
        let vms = MaterializationSpec(networks: [], vms: [MaterializationSpec.VM(name: "x", hypervisor: "hv0", nics: []),
                                                          MaterializationSpec.VM(name: "x", hypervisor: "hv1", nics: [])])
        XCTAssertEqual(refusal(vms)?.field, "vms[1].name")
        // A default name colliding with an explicit one.
        XCTAssertEqual(refusal(spec([MaterializationSpec.NIC(name: "eth1", network: "net0"),
                                     MaterializationSpec.NIC(network: "net0")]))?.field, "vms[0].nics[1].name")
    }

    func testRefusesOverlongAndMalformedNames() {
        XCTAssertEqual(refusal(spec([], networks: [String(repeating: "n", count: 64)]))?.field, "networks[0].name")
        XCTAssertNil(refusal(spec([], networks: [String(repeating: "n", count: 63)])))
        XCTAssertEqual(refusal(spec([], networks: ["-lead"]))?.field, "networks[0].name")
        XCTAssertEqual(refusal(spec([], networks: ["sp ace"]))?.field, "networks[0].name")
        XCTAssertEqual(refusal(spec([MaterializationSpec.NIC(name: "sixteen-chars-xx", network: "net0")]))?.field,
                       "vms[0].nics[0].name")
        let badHypervisor = MaterializationSpec(networks: [], vms: [MaterializationSpec.VM(name: "vm", hypervisor: "hv/0", nics: [])])
        XCTAssertEqual(refusal(badHypervisor)?.field, "vms[0].hypervisor")
    }

    func testPFOnlyForVFIOAndPassthrough() {
        XCTAssertEqual(refusal(spec([MaterializationSpec.NIC(network: "net0", pf: "eno1")]))?.field, "vms[0].nics[0].pf")
        XCTAssertNil(refusal(spec([MaterializationSpec.NIC(network: "net0", mechanism: .vfio, pf: "eno1")])))
        XCTAssertNil(refusal(spec([MaterializationSpec.NIC(network: "net0", mechanism: .passthrough, pf: "eno1")])))
    }

    func testMACMustBeUnicastUniqueAndNotForPassthrough() {
        let multicast = MACAddress("03:00:00:00:00:01")!
        XCTAssertEqual(refusal(spec([MaterializationSpec.NIC(network: "net0", mac: multicast)]))?.field, "vms[0].nics[0].mac")
        XCTAssertEqual(refusal(spec([MaterializationSpec.NIC(network: "net0", mac: .zero)]))?.field, "vms[0].nics[0].mac")
        let mac = MACAddress("02:aa:00:00:00:01")!
        XCTAssertEqual(refusal(spec([MaterializationSpec.NIC(network: "net0", mac: mac),
                                     MaterializationSpec.NIC(network: "net0", mac: mac)]))?.field, "vms[0].nics[1].mac")
        XCTAssertEqual(refusal(spec([MaterializationSpec.NIC(network: "net0", mechanism: .passthrough, mac: mac)]))?.field,
                       "vms[0].nics[0].mac")
        XCTAssertNil(refusal(spec([MaterializationSpec.NIC(network: "net0", mechanism: .vfio, mac: MACAddress("00:1b:21:00:00:01")!)])))
    }

    func testTooManyNICsOnOneVM() {
        let nics = (0...SpecValidation.maximumNICsPerVM).map { MaterializationSpec.NIC(name: "n\($0)", network: "net0") }
        XCTAssertEqual(refusal(spec(nics))?.field, "vms[0].nics")
        XCTAssertNil(refusal(spec(Array(nics.dropLast()))))
    }
}
