import PlumbModel

/// A materialization for people: its state, its networks and VNIs, every VM NIC's attachment, each host's progress.
enum MaterializationText {
    static func render(_ materialization: Materialization) -> String {
        var networks = TextTable("NETWORK", "VNI", "ALLOW LOCAL", "GUEST VLANS")
        for network in materialization.networks {
            networks.add(network.name, String(network.vni), network.allowLocal ? "yes" : "no", network.guestVlans ? "yes" : "no")
        }
        var nics = TextTable("VM", "HYPERVISOR", "NIC", "NETWORK", "MECHANISM", "MAC", "ATTACHMENT")
        for vm in materialization.vms {
            for nic in vm.nics {
                nics.add(vm.name, vm.hypervisor, nic.name, nic.network, nic.mechanism.rawValue, nic.mac?.description ?? "-",
                         attachment(nic))
            }
        }
        var hosts = TextTable("HOST", "KIND", "NEEDS", "APPLIED", "LAST SEEN", "STATE")
        for host in materialization.status.hosts {
            hosts.add(host.host, host.kind.rawValue, String(host.requiredGeneration), host.appliedGeneration.map(String.init) ?? "-",
                      TimeText.ago(host.lastSeen), host.state.rawValue)
        }
        return """
            materialization \(materialization.id): \(materialization.status.state.rawValue)

            \(networks.rendered)

            \(nics.rendered)

            \(hosts.rendered)
            """
    }

    /// Where a NIC is attached: its tap, its VF, or its passthrough PF.
    private static func attachment(_ nic: Materialization.NIC) -> String {
        switch nic.mechanism {
        case .virtio:
            return "tap \(nic.tap ?? "?")"
        case .vfio:
            return "\(nic.pf ?? "?") vf \(nic.vfIndex.map(String.init) ?? "?") vlan \(nic.vlan.map(String.init) ?? "?")"
                + (nic.vlanProtocol.map { " \($0.rawValue)" } ?? "")
        case .passthrough:
            return "\(nic.pf ?? "?") (\(nic.pfPciAddress?.description ?? "?")) vlan \(nic.vlan.map(String.init) ?? "?")"
        }
    }
}
