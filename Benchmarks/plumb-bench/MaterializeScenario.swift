import ArgumentParser
import PlumbModel

/// The testbed and the experiments of the materialize benchmark, all derived from the number of hypervisors.
///
/// - one leaf per 10 hypervisors (VLANs 100–3999), VNIs 10000–999999;
/// - each hypervisor: `eno1` (underlay, 32 VFs, may mix), `eno2` (32 VFs, stacks tags), `eno3`…`eno6` (passthrough);
/// - the experiment shape per hypervisor: 10 VMs with 2 NICs each, 16 virtio, 3 vfio and 1 passthrough
///   (VMs 0–7: 2 virtio; VM 8: 2 vfio; VM 9: vfio + passthrough), over 20 networks; at 100 hypervisors that is
///   the 1,000 VMs and 2,000 NICs (1,600 virtio, 300 vfio, 100 passthrough);
/// - background: one experiment of that shape per 5 hypervisors, together as large as the measured one.
struct MaterializeScenario {
    let hypervisors: Int

    static let vmsPerHypervisor = 10
    static let networksPerExperiment = 20

    var leaves: Int { max(1, (hypervisors + 9) / 10) }
    var hypervisorNames: [String] { (0..<hypervisors).map(Self.hypervisorName) }
    var nics: Int { hypervisors * Self.vmsPerHypervisor * 2 }

    static func hypervisorName(_ index: Int) -> String { "hv\(index)" }

    var facility: Facility {
        let leafList = (0..<leaves).map { index in
            Facility.Leaf(name: "leaf\(index)", vtepIp: IPv4Address(value: 0xC612_0001 + UInt32(index)),  // 198.18.0.x
                          vlanRange: Facility.NumberRange(first: 100, last: 3999))
        }
        let hypervisorList = (0..<hypervisors).map { index -> Facility.Hypervisor in
            let slot = index % 10
            func nic(_ number: Int, vfs: Int = 0, stacks: Bool = false, passthrough: Bool = false) -> Facility.NIC {
                let bus = String(0x10 + slot, radix: 16)
                return Facility.NIC(name: "eno\(number)", pciAddress: PCIAddress("0000:\(bus):00.\(number)")!,
                                    leafPort: "swp\(slot * 8 + number)", vfLimit: vfs, canStackVlans: stacks,
                                    passthrough: passthrough)
            }
            return Facility.Hypervisor(
                name: Self.hypervisorName(index), vtepIp: IPv4Address(value: 0xC613_0000 + UInt32(index) + 1),  // 198.19.x.y
                leaf: "leaf\(index / 10 % leaves)", underlayNic: "eno1", underlayMtu: 9000,
                nics: [nic(1, vfs: 32), nic(2, vfs: 32, stacks: true)] + (3...6).map { nic($0, passthrough: true) })
        }
        return Facility(vniRanges: [Facility.NumberRange(first: 10000, last: 999_999)], leaves: leafList,
                        hypervisors: hypervisorList)
    }

    /// The experiment shape on `hosts`: 10 VMs per hypervisor, 20 NICs (16 virtio, 3 vfio, 1 passthrough).
    static func experiment(on hosts: [String]) -> MaterializationSpec {
        let networks = (0..<networksPerExperiment).map { MaterializationSpec.Network(name: "net\($0)") }
        var counter = 0
        func nic(_ mechanism: Mechanism) -> MaterializationSpec.NIC {
            defer { counter += 1 }
            return MaterializationSpec.NIC(network: "net\(counter % networksPerExperiment)", mechanism: mechanism)
        }
        var vms: [MaterializationSpec.VM] = []
        for host in hosts {
            for slot in 0..<vmsPerHypervisor {
                let mechanisms: [Mechanism] = slot < 8 ? [.virtio, .virtio] : slot == 8 ? [.vfio, .vfio] : [.vfio, .passthrough]
                vms.append(MaterializationSpec.VM(name: "\(host)-vm\(slot)", hypervisor: host, nics: mechanisms.map(nic)))
            }
        }
        return MaterializationSpec(networks: networks, vms: vms)
    }

    /// The measured experiment: every hypervisor.
    var measured: MaterializationSpec { Self.experiment(on: hypervisorNames) }

    /// The experiments already in place: one per 5 hypervisors (at least one).
    var background: [MaterializationSpec] {
        stride(from: 0, to: hypervisors, by: 5).map { first in
            Self.experiment(on: Array(hypervisorNames[first..<min(first + 5, hypervisors)]))
        }
    }

    /// Where the concurrent clients put their experiments.
    enum Placement: String, CaseIterable, ExpressibleByArgument {
        /// Each client on hypervisors of its own, behind leaves of its own while there are at least as many leaves
        /// as clients (client `c` of `n` owns the leaves `c`, `c + n`, … and their hypervisors; with fewer leaves
        /// than clients, clients share leaves but never hypervisors): writers Plumb runs in parallel.
        case disjoint
        /// Every client anywhere: writers contend for the same hypervisors and pools.
        case random
    }

    /// A small experiment for concurrent client `client` of `clients`: 2 VMs on two hypervisors, 4 NICs
    /// (2 virtio; vfio + passthrough), on 2 networks.
    func concurrentExperiment(client: Int, of clients: Int, placement: Placement,
                              _ random: inout some RandomNumberGenerator) -> MaterializationSpec {
        let first: Int, second: Int
        switch placement {
        case .random:
            first = Int.random(in: 0..<hypervisors, using: &random)
            second = (first + Int.random(in: 1..<max(2, hypervisors), using: &random)) % hypervisors
        case .disjoint:
            let owned = leaves >= clients
                ? (0..<hypervisors).filter { ($0 / 10 % leaves) % clients == client }
                : Array(stride(from: client % hypervisors, to: hypervisors, by: max(clients, 1)))
            let picked = owned.shuffled(using: &random)
            first = picked[0]
            second = picked.count > 1 ? picked[1] : picked[0]
        }
        let networks = [MaterializationSpec.Network(name: "a"), MaterializationSpec.Network(name: "b")]
        return MaterializationSpec(networks: networks, vms: [
            MaterializationSpec.VM(name: "vm0", hypervisor: Self.hypervisorName(first), nics: [
                MaterializationSpec.NIC(network: "a"), MaterializationSpec.NIC(network: "b"),
            ]),
            MaterializationSpec.VM(name: "vm1", hypervisor: Self.hypervisorName(second), nics: [
                MaterializationSpec.NIC(network: "a", mechanism: .vfio),
                MaterializationSpec.NIC(network: "b", mechanism: .passthrough),
            ]),
        ])
    }
}
