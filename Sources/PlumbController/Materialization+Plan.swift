import PlumbModel

/// A materialization as the database keeps it (`plumb.materialization_record`): the spec it was
/// asked with, its allocations in the allocator's plan form, and its readiness.
struct MaterializationRecord: Decodable {
    var id: String
    var spec: MaterializationSpec
    var plan: AllocationPlan
    /// What its hypervisors reported for its NICs, once each applied it.
    var attachments: [Attachment]
    var status: MaterializationStatus
}

extension Materialization {
    /// The wire answer for a materialization: networks in request order, VMs in request order with
    /// their NICs in request order, each with the attachment of its mechanism. Built the same way
    /// from a fresh plan (`PUT`) and from what is stored (`GET`, a repeated `PUT`); only what is stored has
    /// `attachments` (a fresh plan has not been applied anywhere yet).
    init(id: String, spec: MaterializationSpec, plan: AllocationPlan, attachments: [Attachment] = [], status: MaterializationStatus) {
        let nicsByVM = Dictionary(grouping: plan.nics, by: \.vmOrdinal)
        let attached = Dictionary(attachments.map { ("\($0.vm)/\($0.nic)", $0) }, uniquingKeysWith: { first, _ in first })
        let mtus = Dictionary(plan.networks.map { ($0.name, $0.mtu) }, uniquingKeysWith: { first, _ in first })
        self.init(
            id: id,
            networks: plan.networks.sorted { $0.ordinal < $1.ordinal }.map {
                Network(name: $0.name, vni: $0.vni, allowLocal: $0.allowLocal, guestVlans: $0.guestVlans, mtu: $0.mtu)
            },
            vms: spec.vms.enumerated().map { ordinal, vm in
                VM(name: vm.name, hypervisor: vm.hypervisor, nics: (nicsByVM[ordinal] ?? []).sorted { $0.nicOrdinal < $1.nicOrdinal }.map {
                    NIC(name: $0.nic, network: $0.network, mechanism: $0.mechanism, mac: $0.mac, tap: $0.tap, pf: $0.pf,
                        pfPciAddress: $0.pfPciAddress, vfIndex: $0.vfIndex, vlan: $0.vlan, vlanProtocol: $0.vlanProtocol,
                        mtu: mtus[$0.network] ?? nil, attachment: attached["\($0.vm)/\($0.nic)"])
                })
            },
            status: status)
    }

    init(_ record: MaterializationRecord) {
        self.init(id: record.id, spec: record.spec, plan: record.plan, attachments: record.attachments, status: record.status)
    }
}
