/// Bounds the controller, the agent and plumbctl all check, each defined once here.
///
/// The database's CHECK constraints (`sql/`) and the hand-written OpenAPI document repeat some of them:
/// the database is a guarantee of its own, even against Swift code that checks nothing.
public enum Limits {
    /// VXLAN network identifiers: 24 bits; 0 names no network.
    public static let vni = 1...16_777_215

    /// Longest Linux interface name, in bytes: `IFNAMSIZ` (16) less the terminating NUL.
    public static let interfaceNameLength = 15

    /// MTUs Plumb sets on its devices: from IPv4's minimum (68) to the largest the kernel's 16-bit
    /// field can hold.
    public static let mtu = 68...65_535

    /// Bytes a VXLAN-over-IPv4 encapsulation adds to each frame (outer Ethernet 14, IPv4 20, UDP 8,
    /// VXLAN 8): an overlay's MTU is its underlay's less this.
    public static let vxlanOverhead = 50

    /// Bytes a guest's own VLAN tag adds to each frame of a guest-VLAN network, inside the VXLAN payload and on
    /// the leaf's ports: such a network's MTU is this much lower, so that a full-size tagged frame still fits.
    public static let guestTagLength = 4

    /// 802.1Q VLAN ids that name a VLAN (0 means "no tag", 4095 is reserved).
    public static let vlanID = 1...4094

    /// VLAN tags a leaf switch may hand out to networks: VLAN 1 is the switches' default VLAN.
    public static let leafVLANTags = 2...4094
}
