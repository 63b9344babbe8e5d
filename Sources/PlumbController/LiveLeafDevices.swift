import PlumbModel

/// A leaf that carries VLANs (held, or quarantined until its hosts report) keeps its tag protocol, its bridge and its
/// VXLAN device: a facility change of any of them is refused (409, naming the leaf's field and a holder), and nothing
/// changes.
///
/// Refused rather than applied: the VFs behind the leaf push its tag protocol (``LeafTagProtocol``) — their NICs were
/// set when they were handed out — and its guest-VLAN networks are there only because it is 802.1ad, so a new
/// protocol would make the bridge take their frames for untagged ones; a new bridge or VXLAN device name replaces the
/// device at the leaf's next reconcile, cutting every live network through it. Dematerialize what it carries first.
public enum LiveLeafDevices {
    /// A leaf with VLANs as it was before a facility change (`plumb.put_facility`), with one holder for the message.
    struct Leaf: Decodable, Equatable {
        var name: String
        var bridge: String
        var vxlanDevice: String
        var vlanProtocol: VLANProtocol
        /// "VLAN V is held by materialization M (network N)".
        var holder: String

        enum CodingKeys: String, CodingKey {
            case name, bridge, vxlanDevice = "vxlan_device", vlanProtocol = "vlan_protocol", holder
        }
    }

    /// The refusal of `facility` if it changes the tag protocol, bridge or VXLAN device of one of `leaves`; nil if it
    /// changes none (a leaf it drops is refused by the database, which knows it is in use).
    static func changeRefusal(_ leaves: [Leaf], in facility: Facility) -> APIError? {
        for live in leaves {
            guard let index = facility.leaves.firstIndex(where: { $0.name == live.name }) else { continue }
            let declared = facility.leaves[index]
            let changes: [(field: String, changed: Bool)] = [
                ("vlan_protocol", declared.vlanProtocol != live.vlanProtocol),
                ("bridge", declared.bridge != live.bridge),
                ("vxlan_device", declared.vxlanDevice != live.vxlanDevice),
            ]
            guard let change = changes.first(where: \.changed) else { continue }
            return APIError(status: 409, code: "in_use", message: """
                leaf \(live.name) is in use (\(live.holder)); its \(change.field) cannot change while it carries VLANs: \
                dematerialize them first
                """, field: "leaves[\(index)].\(change.field)")
        }
        return nil
    }
}
