import PlumbModel
import PlumbNetlink

/// The leaf switch role: the same socket, executor and ownership rules as the hypervisor's, with the leaf's planner.
extension Reconciler {
    /// What would change on this leaf to reach `desired`, read from the kernel once; changes nothing.
    public func planLeaf(_ desired: LeafDesiredState) throws -> Plan {
        LeafPlanner.plan(desired: desired, observed: try observeLeaf(), configuration: configuration)
    }

    /// Reads the leaf, plans and carries the plan out. A failing item is reported and the rest still applied;
    /// throws only when the leaf cannot be read.
    public func applyLeaf(_ desired: LeafDesiredState) throws -> ApplyReport {
        let observed = try observeLeaf()
        let report = carryOut(LeafPlanner.plan(desired: desired, observed: observed, configuration: configuration),
                              links: observed.links)
        logger.info("applied leaf desired state", metadata: [
            "generation": "\(desired.generation)", "operations": "\(report.operations.count)", "errors": "\(report.errors.count)",
        ])
        return report
    }

    /// Removes Plumb's bridge and VXLAN device from this leaf (its ports are released, their VLANs and entries go).
    public func cleanupLeaf() throws -> ApplyReport {
        let observed = try observeLeaf()
        return carryOut(LeafPlanner.cleanup(observed: observed, configuration: configuration), links: observed.links)
    }

    /// Reads the leaf with four dumps: links, bridge port VLANs and mappings, VNI filters, forwarding entries.
    public func observeLeaf() throws -> ObservedLeaf {
        let links = try socket.links().map { ObservedLink($0) }
        var portVLANs: [Int32: Set<PortVLAN>] = [:]
        var tunnels: [Int32: [Int: Int]] = [:]
        for port in try socket.bridgePorts() {
            portVLANs[port.index] = Set(port.vlans.map { PortVLAN(vlan: $0.id, mode: BridgeVLANMode(pvid: $0.pvid, untagged: $0.untagged)) })
            if !port.tunnels.isEmpty { tunnels[port.index] = port.tunnels }
        }
        var vniFDB: [ObservedVNIFDBEntry] = []
        var bridgeFDB: [ObservedBridgeFDBEntry] = []
        for entry in try socket.bridgeFDB() {
            if entry.isSelf, let dst = entry.dst, let vni = entry.sourceVNI {
                vniFDB.append(ObservedVNIFDBEntry(index: entry.index, mac: entry.mac, dst: dst, vni: Int(vni)))
            } else if !entry.isSelf, entry.isStatic, let master = entry.master, let vlan = entry.vlan {
                bridgeFDB.append(ObservedBridgeFDBEntry(master: master, port: entry.index, mac: entry.mac, vlan: Int(vlan)))
            }
        }
        return ObservedLeaf(links: links, portVLANs: portVLANs, tunnels: tunnels, vniFilters: try socket.vniFilters(),
                            vniFDB: vniFDB, bridgeFDB: bridgeFDB)
    }
}
