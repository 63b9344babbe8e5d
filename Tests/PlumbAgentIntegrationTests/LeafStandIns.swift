import Foundation
import PlumbModel
import PlumbTestSupport
import XCTest

/// The machines at the ends of a leaf switch in the frame tests (`LeafFramesTests`, `LeafProcessFramesTests`), made
/// with iproute2 in namespaces of their own, and what a leaf must hold once it carries nothing.
enum LeafStandIns {
    /// Whether `from` gets an answer from `address`: one ping, two seconds; or, with `patience`, one ping a second until
    /// the first answer or `patience` seconds (for a path whose first frames may wait for neighbour resolution
    /// under emulation).
    static func reaches(_ from: NetworkNamespace, _ address: String, patience: Int? = nil) throws -> Bool {
        let timing = patience.map { ["-w", String($0)] } ?? ["-W", "2"]
        return try NetworkNamespace.Command.execute("ip", ["netns", "exec", from.name, "ping", "-c", "1"] + timing + [address]).status == 0
    }

    /// A VF as its VM sees it: `device` in `nic`'s namespace (the PF's side of the wire to the leaf) becomes a VLAN
    /// device that tags `vlan` with `vlanProtocol` exactly as VST puts it on the wire (an 802.1ad S-tag where the NIC
    /// stacks), and moves into `vm` as `eth0` with `mac` and `address` (`/24`).
    static func vf(_ vm: NetworkNamespace, on nic: NetworkNamespace, device: String, vlan: Int, vlanProtocol: VLANProtocol,
                   mac: MACAddress, address: String) throws {
        let name = "vf\(vlan)"
        try nic.ip("link", "add", "link", device, "name", name, "type", "vlan", "protocol", vlanProtocol.rawValue, "id", String(vlan))
        try nic.ip("link", "set", name, "address", mac.description, "netns", vm.name)
        try vm.ip("link", "set", name, "name", "eth0")
        try vm.ip("address", "add", "\(address)/24", "dev", "eth0")
        try vm.ip("link", "set", "eth0", "up")
    }

    /// A passthrough NIC as its VM sees it: `eth0` of `vm`, cabled to `port` of the leaf (an access port), untagged.
    static func passthrough(_ vm: NetworkNamespace, cabledTo port: String, of leaf: NetworkNamespace, address: String) throws {
        try leaf.ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", vm.name)
        try vm.ip("address", "add", "\(address)/24", "dev", "eth0")
        try vm.ip("link", "set", "eth0", "up")
    }

    /// A guest that tags its own frames: a VLAN device `guestTag` (802.1Q, the guest's C-tag) on `device` of `vm`, with
    /// `address` (`/24`). On a VF stand-in it rides inside the VF's S-tag, as a guest's tags do inside VST.
    static func guestTagged(_ vm: NetworkNamespace, device: String = "eth0", guestTag: Int, address: String) throws {
        let name = "c\(guestTag)"
        try vm.ip("link", "add", "link", device, "name", name, "type", "vlan", "protocol", VLANProtocol.dot1q.rawValue, "id", String(guestTag))
        try vm.ip("address", "add", "\(address)/24", "dev", name)
        try vm.ip("link", "set", name, "up")
    }

    /// The guest-VLAN networks' own VXLAN devices on `leaf` (``LeafDesiredState/guestVLANDevice(vni:)``), by name.
    static func guestVLANDevices(_ leaf: NetworkNamespace) throws -> [String] {
        try leaf.ipJSON("link", "show").compactMap { $0["ifname"] as? String }.filter(LeafDesiredState.isGuestVLANDeviceName).sorted()
    }

    /// The VLANs each port of `leaf` carries, by port name (ports with none left out).
    static func portVLANs(_ leaf: NetworkNamespace) throws -> [String: Set<Int>] {
        var vlans: [String: Set<Int>] = [:]
        for port in try leaf.bridgeJSON("vlan", "show") {
            guard let name = port["ifname"] as? String else { continue }
            let ids = (port["vlans"] as? [[String: Any]] ?? []).flatMap { range($0, "vlan") }
            if !ids.isEmpty { vlans[name, default: []].formUnion(ids) }
        }
        return vlans
    }

    /// The VNIs the VXLAN devices of `leaf` accept.
    static func vnis(_ leaf: NetworkNamespace) throws -> Set<Int> {
        Set(try leaf.bridgeJSON("vni", "show").flatMap { $0["vnis"] as? [[String: Any]] ?? [] }.flatMap { range($0, "vni") })
    }

    /// The values of `key` in an iproute2 JSON object, which prints consecutive runs as `key` … `keyEnd`.
    static func range(_ object: [String: Any], _ key: String) -> [Int] {
        guard let first = object[key] as? Int else { return [] }
        return Array(first...((object[key + "End"] as? Int) ?? first))
    }

    /// The remote entries (flood lists and MACs behind VTEPs) of `vxlan` in `leaf`, as `VNI MAC DST` lines.
    static func remoteEntries(_ leaf: NetworkNamespace, vxlan: String) throws -> [String] {
        try leaf.bridgeJSON("fdb", "show", "dev", vxlan).compactMap { entry in
            guard let dst = entry["dst"] as? String else { return nil }
            return "\(entry["src_vni"] as? Int ?? 0) \(entry["mac"] as? String ?? "?") \(dst)"
        }
    }

    /// Asserts that `leaf` holds nothing of any network: no port carries a VLAN, no VNI is mapped, no remote entry is
    /// left in `vxlan`, and `ports` are released from the bridge.
    static func assertHoldsNothing(_ leaf: NetworkNamespace, vxlan: String, ports: [String],
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try portVLANs(leaf), [:], "no port carries a VLAN", file: file, line: line)
        XCTAssertEqual(try vnis(leaf), [], "no VNI is mapped", file: file, line: line)
        XCTAssertEqual(try remoteEntries(leaf, vxlan: vxlan), [], "no flood or remote entry", file: file, line: line)
        XCTAssertTrue(try leaf.ipJSON("link", "show").filter { ports.contains($0["ifname"] as? String ?? "") }
                          .allSatisfy { $0["master"] == nil }, "the ports are released", file: file, line: line)
    }
}
