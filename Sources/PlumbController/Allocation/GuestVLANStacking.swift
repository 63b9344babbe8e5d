import PlumbModel

/// Guest VLAN stacking: a network whose guests send VLAN-tagged frames may land on a VF only where
/// the NIC stacks its tag over theirs (802.1ad); elsewhere the request is refused — never silent tag
/// loss. Virtio carries guest tags as they are.
enum GuestVLANStacking {
    /// A VF asked for on a named PF for a guest-VLAN network needs a PF that stacks tags.
    static func namedPFStacks(_ nic: AllocationRequest.NIC, _ context: AllocationContext) -> APIError? {
        guard nic.guestVlans, let name = nic.pf, let pf = context.hypervisor(of: nic).pf(name), !pf.canStackVlans else { return nil }
        // The named NIC is what is refused, as for the other rules about a named NIC.
        return refusal(nic, "NIC \(name) of \(nic.hypervisor) cannot stack VLAN tags (802.1ad)", field: "\(nic.field).pf")
    }

    /// Whether `pf` may carry a VF of `nic`'s network.
    static func mayCarry(_ pf: AllocationSnapshot.PF, guestVlans: Bool) -> Bool { pf.canStackVlans || !guestVlans }

    /// The refusal when no NIC of the hypervisor can stack tags for a guest-VLAN network.
    static func noStackingNIC(_ nic: AllocationRequest.NIC) -> APIError {
        refusal(nic, "no NIC of \(nic.hypervisor) can give a VF that stacks VLAN tags (802.1ad)", field: nic.field)
    }

    /// The tag protocol the VF pushes: 802.1ad over guest tags, else 802.1Q.
    static func vlanProtocol(guestVlans: Bool) -> VLANProtocol { guestVlans ? .dot1ad : .dot1q }

    private static func refusal(_ nic: AllocationRequest.NIC, _ reason: String, field: String) -> APIError {
        APIError(status: 422, code: "guest_vlans_unsupported",
                 message: "network \(nic.network) carries guest VLAN tags and \(reason): use virtio", field: field)
    }
}
