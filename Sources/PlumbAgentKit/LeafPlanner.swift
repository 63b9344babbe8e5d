import PlumbModel

/// The pure diff between a leaf switch's desired state and what its kernel has. No IO: it reads only its arguments.
///
/// The leaf has one VLAN-aware bridge and one VXLAN device in `external vnifilter` mode on it: VLAN V of the bridge
/// leaves the VXLAN port as VNI N (`bridge vlan … tunnel_info id N`), and the device accepts only the VNIs it maps.
/// Access ports (passthrough NICs) carry one VLAN untagged as their PVID; trunk ports (toward hypervisors' VFs) carry
/// their VLANs tagged. Remote MACs and per-VNI flood lists are entries of the VXLAN device keyed by VNI; local VF MACs
/// are static entries of the bridge on their trunk port and VLAN.
///
/// The bridge's and VXLAN device's names, the underlay port and the tag protocol come from the document (the facility
/// declares them per leaf). Order of a plan: Plumb's leaf devices under names the document no longer gives; the
/// bridge, then the VXLAN device (created or fixed, on the bridge, `vlan_tunnel on`); ports that
/// no longer serve leave the bridge; stale forwarding entries, mappings, VNIs and port VLANs go; ports join and get
/// their VLANs and static entries; each mapping is added with its VNI, VLAN, tunnel and forwarding entries. Applying a
/// plan and planning again against the result yields an empty plan.
///
/// Plumb owns its bridge and VXLAN device (link group and alias, as on a hypervisor) and, through its bridge, the
/// ports it enslaved, their VLANs and the bridge's static entries; it never takes a port that another master holds.
public enum LeafPlanner {
    /// The plan that makes `observed` match `desired`.
    public static func plan(desired: LeafDesiredState, observed: ObservedLeaf, configuration: AgentConfiguration) -> Plan {
        var builder = LeafPlanBuilder(desired: desired, observed: observed, configuration: configuration)
        builder.planStaleDevices()
        builder.planDevices()
        builder.planPorts()
        builder.planMappings()
        return builder.plan
    }

    /// The plan that removes everything Plumb made on the leaf, whatever the facility names it now: its VXLAN devices,
    /// then its bridges (which releases the ports and drops their VLANs and static entries).
    public static func cleanup(observed: ObservedLeaf, configuration: AgentConfiguration) -> Plan {
        var plan = Plan()
        let devices = observed.links.filter { configuration.owns($0) && $0.alias == configuration.leafAlias }
        for link in devices.filter({ $0.kind != .bridge }) + devices.filter({ $0.kind == .bridge }) {
            plan.operations.append(Operation(item: "leaf", .deleteLink(name: link.name)))
        }
        return plan
    }
}

/// The state of one leaf planning run.
struct LeafPlanBuilder {
    let observed: ObservedLeaf
    let desired: LeafDesiredState
    let configuration: AgentConfiguration
    private(set) var plan = Plan()
    private let linksByName: [String: ObservedLink]

    /// The bridge as observed, when it is Plumb's and kept (nil when it is made in this plan or cannot be used).
    private var keptBridge: ObservedLink?
    /// The VXLAN device as observed, when it is kept.
    private var keptVXLAN: ObservedLink?
    /// Plumb's leaf devices that this plan deletes because the facility no longer names them: their ports are free.
    private var staleDevices = Set<Int32>()
    /// Whether the bridge can be used at all (Plumb's, or made in this plan).
    private var bridgeUsable = false
    /// Whether the VXLAN device can be used at all.
    private var vxlanUsable = false

    var bridgeItem: String { "bridge \(desired.bridge)" }
    var vxlanItem: String { "vxlan \(desired.vxlanDevice)" }

    init(desired: LeafDesiredState, observed: ObservedLeaf, configuration: AgentConfiguration) {
        self.desired = desired
        self.observed = observed
        self.configuration = configuration
        linksByName = Dictionary(observed.links.map { ($0.name, $0) }) { first, _ in first }
    }

    private mutating func add(_ item: String, parent: String? = nil, _ action: Action) {
        plan.operations.append(Operation(item: item, parentItem: parent, action))
    }

    private mutating func fail(_ item: String, _ message: String) {
        plan.errors.append(HostStatusReport.ItemError(item: item, message: message))
    }

    /// Plumb's leaf devices the facility no longer names (it renamed the bridge or the VXLAN device): deleted first, so
    /// that the ports they held are free to join the bridge the facility names now.
    mutating func planStaleDevices() {
        for link in observed.links where configuration.owns(link) && link.alias == configuration.leafAlias
            && link.name != desired.bridge && link.name != desired.vxlanDevice {
            add("leaf", .deleteLink(name: link.name))
            staleDevices.insert(link.index)
        }
    }

    /// The bridge and the VXLAN device: made, fixed, or (when something not Plumb's has the name) reported.
    mutating func planDevices() {
        let vtep = desired.vtepIp
        let alias = configuration.leafAlias
        if let bridge = linksByName[desired.bridge] {
            guard bridge.kind == .bridge, configuration.owns(bridge) else {
                fail(bridgeItem, "\(desired.bridge) exists and is not Plumb's; nothing is applied on this leaf")
                return
            }
            if bridge.vlanFiltering == desired.vlanProtocol {
                keptBridge = bridge
                if !bridge.isUp { add(bridgeItem, .setUp(link: desired.bridge)) }
            } else {
                add(bridgeItem, .deleteLink(name: desired.bridge))
            }
        }
        if keptBridge == nil {
            add(bridgeItem, .createVLANBridge(name: desired.bridge, vlanProtocol: desired.vlanProtocol, alias: alias))
            add(bridgeItem, .setUp(link: desired.bridge))
        }
        bridgeUsable = true

        var underlayIndex: Int32?
        if let underlay = desired.underlayPort {
            guard let link = linksByName[underlay] else {
                fail(vxlanItem, "underlay device \(underlay) does not exist")
                return
            }
            underlayIndex = link.index
        }
        if let vxlan = linksByName[desired.vxlanDevice] {
            guard configuration.owns(vxlan) else {
                fail(vxlanItem, "\(desired.vxlanDevice) exists and is not Plumb's")
                return
            }
            let parameters = vxlan.vxlan
            if vxlan.kind == .vxlan, let parameters, parameters.externalVNIFilter, parameters.local == vtep,
               parameters.port == configuration.vxlanPort, parameters.underlayIndex == underlayIndex, !parameters.learning {
                keptVXLAN = vxlan
            } else {
                add(vxlanItem, parent: bridgeItem, .deleteLink(name: desired.vxlanDevice))
            }
        }
        if let vxlan = keptVXLAN, let bridge = keptBridge, vxlan.masterIndex == bridge.index {
            if vxlan.vlanTunnel != true { add(vxlanItem, parent: bridgeItem, .setVLANTunnel(link: desired.vxlanDevice)) }
            if !vxlan.isUp { add(vxlanItem, parent: bridgeItem, .setUp(link: desired.vxlanDevice)) }
        } else {
            if keptVXLAN == nil {
                add(vxlanItem, parent: bridgeItem, .createExternalVXLAN(name: desired.vxlanDevice, local: vtep, port: configuration.vxlanPort,
                                                                        underlay: desired.underlayPort, alias: alias))
            }
            add(vxlanItem, parent: bridgeItem, .setMaster(link: desired.vxlanDevice, master: desired.bridge))
            add(vxlanItem, parent: bridgeItem, .setVLANTunnel(link: desired.vxlanDevice))
            if !(keptVXLAN?.isUp ?? false) { add(vxlanItem, parent: bridgeItem, .setUp(link: desired.vxlanDevice)) }
        }
        vxlanUsable = true
    }

    /// What is kept on the VXLAN port: nothing when the port is new (a new device, or a new bridge).
    private var keptVXLANPort: ObservedLink? {
        guard let vxlan = keptVXLAN, let bridge = keptBridge, vxlan.masterIndex == bridge.index else { return nil }
        return vxlan
    }

    /// Access and trunk ports: leave, join, VLANs, static forwarding entries.
    mutating func planPorts() {
        guard bridgeUsable else { return }
        var wanted: [String: Set<PortVLAN>] = [:]
        var refused = Set<String>()
        for access in desired.accessPorts {
            if wanted[access.port] != nil {
                fail("port \(access.port)", "an access port carries one VLAN untagged; it is also wanted for \(wanted[access.port]!.map(\.vlan).sorted())")
                refused.insert(access.port)
            }
            wanted[access.port, default: []].insert(PortVLAN(vlan: access.vlan, access: true))
        }
        for trunk in desired.taggedPorts {
            if wanted[trunk.port]?.contains(where: \.access) == true {
                fail("port \(trunk.port)", "wanted both as an access port and as a trunk")
                refused.insert(trunk.port)
            }
            wanted[trunk.port, default: []].formUnion(trunk.vlans.map { PortVLAN(vlan: $0, access: false) })
        }
        wanted[desired.vxlanDevice] = nil

        // Ports on Plumb's bridge that serve nothing any more leave it (which drops their VLANs and entries).
        let enslaved = keptBridge.map { bridge in observed.links.filter { $0.masterIndex == bridge.index && $0.name != desired.vxlanDevice } } ?? []
        for port in enslaved.sorted(by: { $0.name < $1.name }) where wanted[port.name] == nil || refused.contains(port.name) {
            add("port \(port.name)", parent: bridgeItem, .releasePort(link: port.name))
        }
        let namesByIndex = Dictionary(observed.links.map { ($0.index, $0.name) }) { first, _ in first }
        let wantedEntries = Set(desired.fdb.compactMap { entry -> LocalEntry? in
            guard entry.vtep == nil, let port = entry.port, let vlan = entry.vlan else { return nil }
            return LocalEntry(port: port, mac: entry.mac, vlan: vlan)
        })

        // Stale static entries on ports that stay, then stale VLANs.
        if let bridge = keptBridge {
            let stale = observed.bridgeFDB.filter { $0.master == bridge.index }.compactMap { entry -> LocalEntry? in
                namesByIndex[entry.port].map { LocalEntry(port: $0, mac: entry.mac, vlan: entry.vlan) }
            }.filter { wanted[$0.port] != nil && !refused.contains($0.port) && !wantedEntries.contains($0) }
            for entry in stale.sorted() {
                add("port \(entry.port)", parent: bridgeItem, .deleteBridgeFDB(port: entry.port, mac: entry.mac, vlan: entry.vlan))
            }
        }

        var ready = Set<String>()
        for name in wanted.keys.sorted() where !refused.contains(name) {
            let item = "port \(name)"
            guard let port = linksByName[name] else {
                fail(item, "no device \(name) on this leaf")
                continue
            }
            let onBridge = keptBridge.map { port.masterIndex == $0.index } ?? false
            if let master = port.masterIndex, !onBridge, master != linksByName[desired.bridge]?.index, !staleDevices.contains(master) {
                let masterName = namesByIndex[master] ?? "ifindex \(master)"
                fail(item, "\(name) is a port of \(masterName), not of Plumb's bridge; it is left alone")
                continue
            }
            let current = onBridge ? observed.portVLANs[port.index] ?? [] : []
            let target = wanted[name]!
            for stale in current.filter({ vlan in !target.contains { $0.vlan == vlan.vlan } }).sorted(by: { $0.vlan < $1.vlan }) {
                add(item, parent: bridgeItem, .deletePortVLAN(port: name, vlan: stale.vlan))
            }
            if !onBridge { add(item, parent: bridgeItem, .setMaster(link: name, master: desired.bridge)) }
            if !port.isUp { add(item, parent: bridgeItem, .setUp(link: name)) }
            for vlan in target.subtracting(current).sorted(by: { $0.vlan < $1.vlan }) {
                add(item, parent: bridgeItem, .addPortVLAN(port: name, vlan: vlan.vlan, access: vlan.access))
            }
            ready.insert(name)
        }

        let kept = Set(keptBridge.map { bridge in
            observed.bridgeFDB.filter { $0.master == bridge.index }.compactMap { entry in
                namesByIndex[entry.port].map { LocalEntry(port: $0, mac: entry.mac, vlan: entry.vlan) }
            }
        } ?? [])
        for entry in wantedEntries.sorted() {
            guard ready.contains(entry.port) else {
                if wanted[entry.port] == nil {
                    fail("port \(entry.port)", "MAC \(entry.mac) on VLAN \(entry.vlan) is behind \(entry.port), which carries no VLAN")
                }
                continue
            }
            let onBridge = linksByName[entry.port].flatMap { port in keptBridge.map { port.masterIndex == $0.index } } ?? false
            if onBridge && kept.contains(entry) { continue }
            add("port \(entry.port)", parent: bridgeItem, .addBridgeFDB(port: entry.port, mac: entry.mac, vlan: entry.vlan))
        }
    }

    /// VLAN→VNI mappings on the VXLAN port, its VNI filter, and its per-VNI forwarding entries.
    mutating func planMappings() {
        guard vxlanUsable else { return }
        var mapping: [Int: Int] = [:]
        var vlanOfVNI: [Int: Int] = [:]
        for entry in desired.vlans {
            if let other = mapping[entry.vlan], other != entry.vni {
                fail("vni \(entry.vni)", "VLAN \(entry.vlan) is mapped to VNI \(other) already")
                continue
            }
            if let other = vlanOfVNI[entry.vni], other != entry.vlan {
                fail("vni \(entry.vni)", "VNI \(entry.vni) is mapped from VLAN \(other) already")
                continue
            }
            mapping[entry.vlan] = entry.vni
            vlanOfVNI[entry.vni] = entry.vlan
        }
        var wantedEntries = Set<RemoteEntry>()
        for entry in desired.vlans where mapping[entry.vlan] == entry.vni {
            for vtep in entry.flood { wantedEntries.insert(RemoteEntry(mac: .zero, dst: vtep, vni: entry.vni)) }
        }
        for entry in desired.fdb {
            guard let vtep = entry.vtep, vlanOfVNI[entry.vni] != nil else { continue }
            wantedEntries.insert(RemoteEntry(mac: entry.mac, dst: vtep, vni: entry.vni))
        }

        let device = desired.vxlanDevice
        let port = keptVXLANPort
        let currentTunnels = port.map { observed.tunnels[$0.index] ?? [:] } ?? [:]
        let currentVLANs = Set((port.map { observed.portVLANs[$0.index] ?? [] } ?? []).map(\.vlan))
        let currentVNIs = keptVXLAN.map { observed.vniFilters[$0.index] ?? [] } ?? []
        let currentEntries = Set(keptVXLAN.map { vxlan in
            observed.vniFDB.filter { $0.index == vxlan.index }.map { RemoteEntry(mac: $0.mac, dst: $0.dst, vni: $0.vni) }
        } ?? [])

        func item(_ vni: Int) -> String { "vni \(vni)" }
        for entry in currentEntries.subtracting(wantedEntries).sorted() {
            add(item(entry.vni), parent: vxlanItem, .deleteVNIFDB(device: device, mac: entry.mac, dst: entry.dst, vni: entry.vni))
        }
        for (vlan, vni) in currentTunnels.sorted(by: { $0.key < $1.key }) where mapping[vlan] != vni {
            add(item(vni), parent: vxlanItem, .deleteVLANTunnel(device: device, vlan: vlan, vni: vni))
        }
        for vlan in currentVLANs.sorted() where mapping[vlan] == nil {
            add(item(currentTunnels[vlan] ?? 0), parent: vxlanItem, .deletePortVLAN(port: device, vlan: vlan))
        }
        for vni in currentVNIs.sorted() where vlanOfVNI[vni] == nil {
            add(item(vni), parent: vxlanItem, .deleteVNI(device: device, vni: vni))
        }
        for (vlan, vni) in mapping.sorted(by: { $0.key < $1.key }) {
            if !currentVNIs.contains(vni) { add(item(vni), parent: vxlanItem, .addVNI(device: device, vni: vni)) }
            if !currentVLANs.contains(vlan) { add(item(vni), parent: vxlanItem, .addPortVLAN(port: device, vlan: vlan, access: false)) }
            if currentTunnels[vlan] != vni { add(item(vni), parent: vxlanItem, .addVLANTunnel(device: device, vlan: vlan, vni: vni)) }
            for entry in wantedEntries.subtracting(currentEntries).filter({ $0.vni == vni }).sorted() {
                add(item(vni), parent: vxlanItem, .addVNIFDB(device: device, mac: entry.mac, dst: entry.dst, vni: vni))
            }
        }
    }
}

/// A static bridge entry by port name, for diffing.
private struct LocalEntry: Hashable, Comparable {
    var port: String
    var mac: MACAddress
    var vlan: Int

    static func < (a: LocalEntry, b: LocalEntry) -> Bool {
        (a.port, a.vlan, a.mac.description) < (b.port, b.vlan, b.mac.description)
    }
}

/// A per-VNI entry of the VXLAN device, for diffing.
private struct RemoteEntry: Hashable, Comparable {
    var mac: MACAddress
    var dst: IPv4Address
    var vni: Int

    static func < (a: RemoteEntry, b: RemoteEntry) -> Bool {
        (a.vni, a.mac.description, a.dst.description) < (b.vni, b.mac.description, b.dst.description)
    }
}
