import PlumbController
import PlumbModel
import XCTest

final class FacilityValidationTests: XCTestCase {
    private func facility() -> Facility {
        Facility(
            vniRanges: [Facility.NumberRange(first: 5000, last: 5999), Facility.NumberRange(first: 7000, last: 7099)],
            reservedVnis: [5000],
            leaves: [Facility.Leaf(name: "leaf0", vtepIp: IPv4Address("198.18.0.1")!,
                                   vlanRange: Facility.NumberRange(first: 100, last: 199), reservedVlans: [100])],
            hypervisors: [Facility.Hypervisor(
                name: "hv0", vtepIp: IPv4Address("198.18.1.1")!, leaf: "leaf0", underlayNic: "eno1", reservedVlans: [101],
                nics: [Facility.NIC(name: "eno1", pciAddress: PCIAddress("0000:3b:00.0")!, leafPort: "swp1", vfLimit: 8),
                       Facility.NIC(name: "eno2", pciAddress: PCIAddress("0000:3b:00.1")!, leafPort: "swp2", passthrough: true)])])
    }

    private func refusal(_ change: (inout Facility) -> Void) -> APIError? {
        var candidate = facility()
        change(&candidate)
        do {
            _ = try FacilityValidation.validate(candidate)
            return nil
        } catch {
            return error as? APIError
        }
    }

    func testAcceptsAValidFacility() throws {
        XCTAssertEqual(try FacilityValidation.validate(facility()), facility())
    }

    func testVNIRanges() {
        XCTAssertEqual(refusal { $0.vniRanges.append(Facility.NumberRange(first: 5999, last: 6000)) }?.field, "vni_ranges[2]")
        XCTAssertEqual(refusal { $0.vniRanges[0] = Facility.NumberRange(first: 0, last: 10) }?.field, "vni_ranges[0]")
        XCTAssertEqual(refusal { $0.vniRanges[1] = Facility.NumberRange(first: 7000, last: 16_777_216) }?.field, "vni_ranges[1]")
        XCTAssertEqual(refusal { $0.vniRanges[1] = Facility.NumberRange(first: 7100, last: 7000) }?.field, "vni_ranges[1]")
        XCTAssertEqual(refusal { $0.reservedVnis = [5000, 5000] }?.field, "reserved_vnis[1]")
        XCTAssertEqual(refusal { $0.reservedVnis = [16_777_216] }?.field, "reserved_vnis[0]")
    }

    func testLeaves() {
        XCTAssertEqual(refusal { $0.leaves.append($0.leaves[0]) }?.field, "leaves[1].name")
        XCTAssertEqual(refusal { $0.leaves[0].vlanRange = Facility.NumberRange(first: 1, last: 10) }?.field, "leaves[0].vlan_range")
        XCTAssertEqual(refusal { $0.leaves[0].vlanRange = Facility.NumberRange(first: 100, last: 4095) }?.field, "leaves[0].vlan_range")
        XCTAssertEqual(refusal { $0.leaves[0].reservedVlans = [4095] }?.field, "leaves[0].reserved_vlans[0]")
        XCTAssertEqual(refusal { $0.leaves[0].name = String(repeating: "l", count: 64) }?.field, "leaves[0].name")
    }

    /// What the leaf's agent makes and sends from: kernel interface names, each a different device, none of them a port
    /// a hypervisor NIC is cabled to.
    func testLeafDevices() {
        XCTAssertNil(refusal {
            $0.leaves[0].bridge = "br0"
            $0.leaves[0].vxlanDevice = "vx0"
            $0.leaves[0].underlayPort = "swp32"
            $0.leaves[0].vlanProtocol = .dot1ad
        })
        XCTAssertEqual(refusal { $0.leaves[0].bridge = "a-very-long-bridge" }?.field, "leaves[0].bridge")
        XCTAssertEqual(refusal { $0.leaves[0].bridge = "" }?.field, "leaves[0].bridge")
        XCTAssertEqual(refusal { $0.leaves[0].vxlanDevice = "vx/0" }?.field, "leaves[0].vxlan_device")
        XCTAssertEqual(refusal { $0.leaves[0].underlayPort = "Ethernet1/1" }?.field, "leaves[0].underlay_port")
        XCTAssertEqual(refusal { $0.leaves[0].vxlanDevice = $0.leaves[0].bridge }?.field, "leaves[0].vxlan_device")
        XCTAssertEqual(refusal { $0.leaves[0].underlayPort = "plumbvx" }?.field, "leaves[0].underlay_port")
        let cabledToUplink = refusal { $0.leaves[0].underlayPort = "swp2" }
        XCTAssertEqual(cabledToUplink?.field, "hypervisors[0].nics[1].leaf_port")
        XCTAssertEqual(cabledToUplink?.code, "inconsistent_field")
        XCTAssertEqual(refusal { $0.hypervisors[0].nics[0].leafPort = "plumbleaf" }?.field, "hypervisors[0].nics[0].leaf_port")
    }

    /// The leaf's agent names a guest-VLAN network's VXLAN device plgv and its VNI: nothing the facility names on a leaf
    /// may look like one.
    func testNoLeafDeviceOrPortIsNamedLikeAGuestVLANDevice() {
        for (field, change) in [("leaves[0].bridge", { (f: inout Facility) in f.leaves[0].bridge = "plgv5000" }),
                                ("leaves[0].vxlan_device", { (f: inout Facility) in f.leaves[0].vxlanDevice = "plgv1" }),
                                ("leaves[0].underlay_port", { (f: inout Facility) in f.leaves[0].underlayPort = "plgv16777215" }),
                                ("hypervisors[0].nics[1].leaf_port", { (f: inout Facility) in f.hypervisors[0].nics[1].leafPort = "plgv7" })] {
            let error = refusal(change)
            XCTAssertEqual(error?.field, field)
            XCTAssertEqual(error?.code, "inconsistent_field")
        }
        // Only the prefix followed by digits is the agent's.
        XCTAssertNil(refusal {
            $0.leaves[0].bridge = "plgv"
            $0.leaves[0].vxlanDevice = "plgv-uplink"
            $0.hypervisors[0].nics[1].leafPort = "plgv5000a"
        })
    }

    func testVTEPsAreUniqueAndUsable() {
        XCTAssertEqual(refusal { $0.hypervisors[0].vtepIp = $0.leaves[0].vtepIp }?.field, "hypervisors[0].vtep_ip")
        XCTAssertEqual(refusal { $0.leaves[0].vtepIp = IPv4Address("239.1.1.1")! }?.field, "leaves[0].vtep_ip")
        XCTAssertEqual(refusal { $0.leaves[0].vtepIp = IPv4Address("0.0.0.0")! }?.field, "leaves[0].vtep_ip")
    }

    /// A refusal about something taken twice names where it was taken first.
    func testRefusalsNameTheOtherPlace() {
        XCTAssertEqual(refusal { $0.hypervisors[0].vtepIp = $0.leaves[0].vtepIp }?.message,
                       "VTEP 198.18.0.1 is already used by leaves[0].vtep_ip")
        XCTAssertEqual(refusal { $0.hypervisors[0].nics[1].leafPort = "swp1" }?.message,
                       "port swp1 of leaf leaf0 is already cabled to hypervisors[0].nics[0]")
        XCTAssertEqual(refusal { $0.leaves[0].underlayPort = $0.leaves[0].bridge }?.message, "plumbleaf is already the leaf's bridge")
        XCTAssertEqual(refusal { $0.hypervisors[0].reservedVlans = [7, 4095] }?.field, "hypervisors[0].reserved_vlans[1]")
    }

    func testHypervisors() {
        XCTAssertEqual(refusal { $0.hypervisors[0].leaf = "nowhere" }?.field, "hypervisors[0].leaf")
        XCTAssertEqual(refusal { $0.hypervisors[0].underlayMtu = 100 }?.field, "hypervisors[0].underlay_mtu")
        XCTAssertEqual(refusal { $0.hypervisors[0].underlayNic = "a-very-long-nic-name" }?.field, "hypervisors[0].underlay_nic")
        XCTAssertEqual(refusal { $0.hypervisors[0].reservedVlans = [5, 5] }?.field, "hypervisors[0].reserved_vlans[1]")
        XCTAssertEqual(refusal {
            var other = $0.hypervisors[0]
            other.vtepIp = IPv4Address("198.18.1.2")!
            $0.hypervisors.append(other)
        }?.field, "hypervisors[1].name")
    }

    func testNICs() {
        XCTAssertEqual(refusal { $0.hypervisors[0].nics[1].name = "eno1" }?.field, "hypervisors[0].nics[1].name")
        XCTAssertEqual(refusal { $0.hypervisors[0].nics[1].pciAddress = PCIAddress("0000:3b:00.0")! }?.field,
                       "hypervisors[0].nics[1].pci_address")
        XCTAssertEqual(refusal { $0.hypervisors[0].nics[1].leafPort = "swp1" }?.field, "hypervisors[0].nics[1].leaf_port")
        XCTAssertEqual(refusal { $0.hypervisors[0].nics[0].vfLimit = -1 }?.field, "hypervisors[0].nics[0].vf_limit")
        XCTAssertEqual(refusal { $0.hypervisors[0].nics[0].leafPort = "" }?.field, "hypervisors[0].nics[0].leaf_port")
        XCTAssertNil(refusal { $0.hypervisors[0].nics[0].leafPort = "Ethernet1/1:2" })
        // A port is unique per leaf: another hypervisor behind the same leaf may not reuse it.
        XCTAssertEqual(refusal {
            var other = $0.hypervisors[0]
            other.name = "hv1"
            other.vtepIp = IPv4Address("198.18.1.2")!
            other.nics = [Facility.NIC(name: "eno1", pciAddress: PCIAddress("0000:3b:00.0")!, leafPort: "swp2")]
            $0.hypervisors.append(other)
        }?.field, "hypervisors[1].nics[0].leaf_port")
    }
}
