import PlumbModel

/// The leaf's tag protocol is every VF's. A Linux bridge filters on one tag protocol (its `vlan_protocol`): an
/// 802.1Q leaf takes an S-tagged frame (0x88a8) for an untagged one and an 802.1ad leaf a C-tagged one (0x8100), so a
/// VF pushing the other protocol lands on its port's PVID or is dropped. Hence:
///
/// - every VF pushes its leaf's `vlan_protocol` (VST);
/// - behind an 802.1ad leaf a VF needs a NIC that can push 802.1ad (`can_stack_vlans`): PF choice takes only those,
///   and a named NIC that cannot is refused;
/// - a network whose guests tag their own frames (`guest_vlans`) reaches a VF or a passthrough NIC only behind an
///   802.1ad leaf, whose S-tag goes over the guest's C-tag (a QinQ trunk or access port); behind an 802.1Q leaf the
///   guest's C-tags would meet the leaf's own, so it is refused — never silent tag loss. Virtio carries guest tags
///   as they are, on any leaf.
enum LeafTagProtocol {
    /// The tag protocol a VF behind `leaf` pushes.
    static func vlanProtocol(behind leaf: AllocationSnapshot.Leaf) -> VLANProtocol { leaf.vlanProtocol }

    /// Whether `pf` can push the tags of a leaf filtering on `vlanProtocol`.
    static func mayCarry(_ pf: AllocationSnapshot.PF, behind vlanProtocol: VLANProtocol) -> Bool {
        vlanProtocol == .dot1q || pf.canStackVlans
    }

    /// A guest-VLAN network's VF or passthrough NIC needs an 802.1ad leaf.
    static func guestVLANsNeed8021adLeaf(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard nic.guestVlans, let leaf = context.leaf(of: nic), leaf.vlanProtocol != .dot1ad else { return nil }
        return APIError(status: 422, code: "guest_vlans_unsupported", message: """
            network \(nic.network) carries guest VLAN tags and leaf \(leaf.name) behind \(nic.hypervisor) is \
            \(leaf.vlanProtocol.rawValue): the guests' tags would meet the leaf's own; use virtio, or a hypervisor behind an 802.1ad leaf
            """, field: nic.field)
    }

    /// A VF asked for on a named PF needs a PF that can push its leaf's tags.
    static func namedPFPushesLeafProtocol(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard let name = nic.pf, let pf = context.hypervisor(of: nic).pf(name), let leaf = context.leaf(of: nic),
              !mayCarry(pf, behind: leaf.vlanProtocol) else { return nil }
        // The named NIC is what is refused, as for the other rules about a named NIC.
        return unsupported(nic, leaf, "NIC \(name) of \(nic.hypervisor) cannot push 802.1ad tags (can_stack_vlans)", field: "\(nic.field).pf")
    }

    /// The refusal when no NIC of the hypervisor can push the 802.1ad tags of its leaf.
    static func noPushingNIC(_ nic: AllocationRequest.NIC, _ leaf: AllocationSnapshot.Leaf) -> APIError {
        unsupported(nic, leaf, "no NIC of \(nic.hypervisor) that can give a VF can push 802.1ad tags (can_stack_vlans)", field: nic.field)
    }

    private static func unsupported(_ nic: AllocationRequest.NIC, _ leaf: AllocationSnapshot.Leaf, _ reason: String,
                                    field: String) -> APIError {
        APIError(status: 422, code: "vlan_protocol_unsupported",
                 message: "leaf \(leaf.name) behind \(nic.hypervisor) is 802.1ad, so every VF behind it pushes 802.1ad; \(reason)",
                 field: field)
    }
}
