import PlumbModel

/// A virtio VM NIC as the test sees it: which hypervisor and tap, which MAC, which network of which experiment.
struct VMNIC: Hashable, CustomStringConvertible {
    var materialization: String
    var vm: String
    var nic: String
    var network: String
    var host: String
    var tap: String
    var mac: String

    var description: String { "\(materialization)/\(vm)/\(nic)" }

    /// Every virtio NIC of `materialization`.
    static func all(_ materialization: Materialization) -> [VMNIC] {
        materialization.vms.flatMap { vm in
            vm.nics.compactMap { nic in
                guard let tap = nic.tap, let mac = nic.mac else { return nil }
                return VMNIC(materialization: materialization.id, vm: vm.name, nic: nic.name, network: nic.network,
                             host: vm.hypervisor, tap: tap, mac: mac.description)
            }
        }
    }

    /// True when frames between the two may cross the overlay: the same network of the same experiment.
    func sharesNetwork(with other: VMNIC) -> Bool {
        materialization == other.materialization && network == other.network
    }
}
