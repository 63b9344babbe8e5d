import Foundation
import PlumbModel
import XCTest

/// The handoff rendered in a hypervisor manager's own terms: QEMU arguments and libvirt XML, exactly.
final class AttachmentRenderingTests: XCTestCase {
    static let tap = Attachment(materialization: "A", vm: "a1", nic: "eth0", kind: .tap, mac: MACAddress("02:00:00:00:00:0a")!,
                                mtu: 1450, tap: "pltap17", tapIfindex: 17)
    static let vf = Attachment(materialization: "A", vm: "a1", nic: "eth1", kind: .vf, mac: MACAddress("02:00:00:00:00:0b")!,
                               pf: "enp59s0f0", vfIndex: 3, pciAddress: PCIAddress("0000:3b:10.7")!, iommuGroup: 71)
    static let passthrough = Attachment(materialization: "A", vm: "a1", nic: "data 2", kind: .passthrough,
                                        pciAddress: PCIAddress("0001:af:00.1")!, iommuGroup: 12)

    func testQEMUArguments() throws {
        XCTAssertEqual(try Self.tap.qemuArguments(), [
            "-netdev", "tap,id=plumb-eth0,ifname=pltap17,script=no,downscript=no",
            "-device", "virtio-net-pci,netdev=plumb-eth0,mac=02:00:00:00:00:0a,host_mtu=1450",
        ])
        XCTAssertEqual(try Self.vf.qemuArguments(), ["-device", "vfio-pci,host=0000:3b:10.7,id=plumb-eth1"])
        XCTAssertEqual(try Self.passthrough.qemuArguments(), ["-device", "vfio-pci,host=0001:af:00.1,id=plumb-data_2"])
        XCTAssertEqual(try Attachment.qemuShellText([Self.tap, Self.vf]), """
            -netdev tap,id=plumb-eth0,ifname=pltap17,script=no,downscript=no \\
            -device virtio-net-pci,netdev=plumb-eth0,mac=02:00:00:00:00:0a,host_mtu=1450 \\
            -device vfio-pci,host=0000:3b:10.7,id=plumb-eth1

            """)
    }

    func testQEMUWithoutMTUOrMACLeavesThemOutAndEscapesCommas() throws {
        let bare = Attachment(materialization: "A", vm: "a1", nic: "eth0", kind: .tap, tap: "odd,name")
        XCTAssertEqual(try bare.qemuArguments(), [
            "-netdev", "tap,id=plumb-eth0,ifname=odd,,name,script=no,downscript=no", "-device", "virtio-net-pci,netdev=plumb-eth0",
        ])
    }

    func testLibvirtXML() throws {
        XCTAssertEqual(try Attachment.libvirtXML([Self.tap, Self.vf, Self.passthrough], indent: 4), """
                <interface type='ethernet'>
                  <mac address='02:00:00:00:00:0a'/>
                  <target dev='pltap17' managed='no'/>
                  <model type='virtio'/>
                  <mtu size='1450'/>
                </interface>
                <hostdev mode='subsystem' type='pci' managed='no'>
                  <source>
                    <address domain='0x0000' bus='0x3b' slot='0x10' function='0x7'/>
                  </source>
                </hostdev>
                <hostdev mode='subsystem' type='pci' managed='no'>
                  <source>
                    <address domain='0x0001' bus='0xaf' slot='0x00' function='0x1'/>
                  </source>
                </hostdev>

            """)
    }

    func testMissingFieldsAreRefusedNamingTheNIC() {
        let tapless = Attachment(materialization: "A", vm: "a1", nic: "eth0", kind: .tap)
        XCTAssertThrowsError(try tapless.qemuArguments()) { error in
            XCTAssertEqual("\(error)", "NIC eth0: a tap attachment without a tap name")
        }
        let addressless = Attachment(materialization: "A", vm: "a1", nic: "eth1", kind: .vf)
        XCTAssertThrowsError(try addressless.libvirtXML()) { error in
            XCTAssertEqual("\(error)", "NIC eth1: a vf attachment without a PCI address")
        }
    }

    func testWireFormatIsSnakeCaseAndOptionalFieldsMayBeAbsent() throws {
        let json = String(decoding: try PlumbJSON.encoder().encode(Self.vf), as: UTF8.self)
        XCTAssertTrue(json.contains(#""pci_address":"0000:3b:10.7""#), json)
        XCTAssertTrue(json.contains(#""iommu_group":71"#), json)
        XCTAssertFalse(json.contains("tap"), json)
        let old = try PlumbJSON.decoder().decode(HostStatusReport.self, from: Data(#"{"applied_generation": 3}"#.utf8))
        XCTAssertNil(old.attachments)
        let network = try PlumbJSON.decoder().decode(HostDesiredState.Network.self, from: Data(
            #"{"vni": 7, "isolated": true, "flood": [], "fdb": [], "taps": []}"#.utf8))
        XCTAssertNil(network.mtu, "a controller that sends no MTU leaves the agent's own rule in force")
    }
}
