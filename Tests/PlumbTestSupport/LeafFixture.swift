import PlumbModel

/// One leaf switch's document for the leaf tests, planned in memory (`LeafPlannerTests`) and applied to a real kernel
/// (`LeafKernelTests`): swp1 is a trunk toward hv1's VFs (VLANs 100 and 101, one local VF MAC), swp2 the access port of
/// a passthrough NIC (VLAN 102); VNI 5000 floods to hv1 and hv2 and has one remote MAC behind hv2.
public enum LeafFixture {
    public static let vtep = IPv4Address("198.18.1.1")!
    public static let hv1 = IPv4Address("198.18.0.1")!
    public static let hv2 = IPv4Address("198.18.0.2")!
    public static let vfMAC = MACAddress("02:00:00:00:00:a1")!
    public static let remoteMAC = MACAddress("02:00:00:00:00:b1")!

    public static var desired: LeafDesiredState {
        LeafDesiredState(
            leaf: "leaf1", generation: 1, vtepIp: vtep, underlayPort: "uplink",
            vlans: [.init(vlan: 100, vni: 5000, flood: [hv1, hv2]), .init(vlan: 101, vni: 5001, flood: [hv2]),
                    .init(vlan: 102, vni: 5002, flood: [])],
            accessPorts: [.init(port: "swp2", vlan: 102, hypervisor: "hv3", pciAddress: PCIAddress("0000:3b:00.0")!)],
            taggedPorts: [.init(port: "swp1", hypervisor: "hv1", vlans: [100, 101])],
            fdb: [.init(vni: 5000, mac: vfMAC, port: "swp1", vlan: 100), .init(vni: 5000, mac: remoteMAC, vtep: hv2)])
    }

    public static let guestMAC = MACAddress("02:00:00:00:00:c1")!

    /// `desired` with a network whose guests tag their own frames: VLAN 103 on swp1's trunk, VNI 5003 flooding to hv2,
    /// where one of its MACs is.
    public static var withGuestVLANs: LeafDesiredState {
        var next = desired
        next.vlans.append(.init(vlan: 103, vni: 5003, guestVlans: true, flood: [hv2]))
        next.taggedPorts = [.init(port: "swp1", hypervisor: "hv1", vlans: [100, 101, 103])]
        next.fdb.append(.init(vni: 5003, mac: guestMAC, vtep: hv2))
        return next
    }

    /// `desired` once the passthrough NIC, VNI 5001's network and hv1's part of VNI 5000 are gone, and the remote MAC
    /// has moved to hv1.
    public static var shrunk: LeafDesiredState {
        var next = desired
        next.generation = 2
        next.accessPorts = []
        next.vlans = [.init(vlan: 100, vni: 5000, flood: [hv2]), .init(vlan: 102, vni: 5002, flood: [])]
        next.taggedPorts = [.init(port: "swp1", hypervisor: "hv1", vlans: [100])]
        next.fdb = [.init(vni: 5000, mac: remoteMAC, vtep: hv1)]
        return next
    }
}
