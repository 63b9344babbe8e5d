@testable import PlumbController
import PlumbModel
import XCTest

/// Requests and snapshots for the allocator's tests, without a database.
///
/// The default snapshot: hv0 behind leaf0 (802.1Q unless asked otherwise; tags 100–109, 100 reserved by the leaf, 101 by hv0) with
/// eno1 (underlay, 4 VFs, may not mix), eno2 (8 VFs, stacks tags), eno3 (passthrough only), eno4 (2 VFs
/// or passthrough, stacks tags); hv1 behind leaf0 with eno1 (underlay, 4 VFs, may mix); free VNIs from
/// 7000 and MACs from 02:00:00:00:00:01, as many as any test wants.
enum AllocationFixture {
    /// A PCI address for PF number `number` of the fixtures.
    static func pci(_ number: Int) -> PCIAddress { PCIAddress(domain: 0, bus: UInt8(number), device: 0, function: 0) }

    static func snapshot(hv0: [AllocationSnapshot.PF]? = nil, hv0HasVirtio: Bool = false, usedVlans: [Int] = [],
                         leafProtocol: VLANProtocol = .dot1q,
                         freeVnis: [Int] = Array(7000..<7010), freeMacs: Int = 32,
                         macHolders: [AllocationSnapshot.MACHolder] = []) -> AllocationSnapshot {
        AllocationSnapshot(
            hypervisors: [
                AllocationSnapshot.Hypervisor(name: "hv0", leaf: "leaf0", underlayNic: "eno1", hasVirtio: hv0HasVirtio, nics: hv0 ?? [
                    AllocationSnapshot.PF(name: "eno1", pciAddress: pci(1), vfLimit: 4, mayMix: false),
                    AllocationSnapshot.PF(name: "eno2", pciAddress: pci(2), vfLimit: 8, canStackVlans: true),
                    AllocationSnapshot.PF(name: "eno3", pciAddress: pci(3), passthrough: true),
                    AllocationSnapshot.PF(name: "eno4", pciAddress: pci(4), vfLimit: 2, canStackVlans: true, passthrough: true),
                ]),
                AllocationSnapshot.Hypervisor(name: "hv1", leaf: "leaf0", underlayNic: "eno1", nics: [
                    AllocationSnapshot.PF(name: "eno1", pciAddress: pci(5), vfLimit: 4),
                ]),
            ],
            leaves: [AllocationSnapshot.Leaf(name: "leaf0", vlanFirst: 100, vlanLast: 109, reservedVlans: [100, 101], usedVlans: usedVlans,
                                                  vlanProtocol: leafProtocol)],
            macHolders: macHolders,
            freeVnis: freeVnis,
            freeMacs: (1...max(freeMacs, 1)).prefix(freeMacs).map { MACAddress(value: 0x02_00_00_00_00_00 + UInt64($0)) })
    }

    static func nic(_ mechanism: Mechanism = .virtio, pf: String? = nil, network: String = "net",
                    mac: MACAddress? = nil) -> MaterializationSpec.NIC {
        MaterializationSpec.NIC(network: network, mechanism: mechanism, pf: pf, mac: mac)
    }

    /// One network `net` (or `networks`), one VM `vm` on `hypervisor` with `nics`.
    static func request(_ nics: [MaterializationSpec.NIC], hypervisor: String = "hv0", guestVlans: Bool = false,
                        networks: [String] = ["net"]) -> AllocationRequest {
        let spec = MaterializationSpec(networks: networks.map { MaterializationSpec.Network(name: $0, guestVlans: guestVlans) },
                                       vms: [MaterializationSpec.VM(name: "vm", hypervisor: hypervisor, nics: nics)])
        return AllocationRequest(id: "exp", spec: try! SpecValidation.validate(id: "exp", spec: spec))
    }

    /// The plan for `request`, failing the test on a refusal.
    static func plan(_ request: AllocationRequest, _ snapshot: AllocationSnapshot = snapshot(),
                     file: StaticString = #filePath, line: UInt = #line) -> AllocationPlan? {
        do {
            return try Allocator.allocate(request, in: snapshot)
        } catch {
            XCTFail("refused: \(error)", file: file, line: line)
            return nil
        }
    }

    /// Asserts `request` is refused with this status, code and field; returns the refusal.
    @discardableResult
    static func assertRefused(_ status: Int, _ code: String, field: String?, _ request: AllocationRequest,
                              _ snapshot: AllocationSnapshot = snapshot(),
                              file: StaticString = #filePath, line: UInt = #line) -> APIError? {
        do {
            let plan = try Allocator.allocate(request, in: snapshot)
            XCTFail("expected a refusal, got \(plan)", file: file, line: line)
        } catch let error as APIError {
            XCTAssertEqual(error.status, status, "\(error)", file: file, line: line)
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected an APIError, got \(error)", file: file, line: line)
        }
        return nil
    }
}
