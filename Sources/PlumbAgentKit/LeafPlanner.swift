import PlumbModel
import PlumbNetlink

/// The pure diff between a leaf switch's desired state and what its kernel has. No IO: it reads only its arguments.
///
/// The leaf has one VLAN-aware bridge and one VXLAN device in `external vnifilter` mode on it: VLAN V of the bridge
/// leaves the VXLAN port as VNI N (`bridge vlan … tunnel_info id N`), and the device accepts only the VNIs it maps.
/// Access ports (passthrough NICs) carry one VLAN untagged as their PVID; trunk ports (toward hypervisors' VFs) carry
/// their VLANs tagged. Remote MACs and per-VNI flood lists are entries of the VXLAN device keyed by VNI; local VF MACs
/// are static entries of the bridge on their trunk port and VLAN.
///
/// A network whose guests tag their own frames (its mapping's `guestVlans`) gets a VXLAN device of its own instead
/// (``LeafDesiredState/guestVLANDevice(vni:)``): the bridge maps a VXLAN port's VNI to its VLAN only for frames that
/// arrive untagged (`br_handle_ingress_vlan_tunnel` ignores a frame that carries any tag), so a guest's C-tagged frame
/// coming back from VXLAN would find no VLAN on the shared port, which can have no PVID for all its networks. The
/// network's own device is made like the shared one (`external vnifilter`, the same local address, underlay, port and
/// `nolearning`, `vlan_tunnel on`), holds only its VNI, and its port has the network's VLAN as PVID, sent tagged:
/// a frame arriving with the guest's C-tag (the other protocol than an 802.1ad bridge's) or none joins the VLAN,
/// and a frame leaving keeps the S-tag just long enough for the port's mapping to choose the VNI and take it off, so
/// it goes out with the guest's C-tag alone. (A plain VXLAN device with a fixed VNI cannot be used: its UDP socket
/// would be another on the same port as the `external` device's, which the kernel refuses with `EADDRINUSE`.) The
/// network's forwarding entries are that device's.
///
/// The bridge's and VXLAN device's names, the underlay port and the tag protocol come from the document (the facility
/// declares them per leaf). Order of a plan: Plumb's leaf devices under names the document no longer gives; the
/// bridge, then the VXLAN devices (created or fixed, on the bridge, `vlan_tunnel on`); ports that
/// no longer serve leave the bridge; stale forwarding entries, mappings, VNIs and port VLANs go; ports join and get
/// their VLANs and static entries; each mapping is added with its VNI, VLAN, tunnel and forwarding entries, the shared
/// device's first. Applying a plan and planning again against the result yields an empty plan.
///
/// Plumb owns its bridge and VXLAN devices (link group and alias, as on a hypervisor) and, through its bridge, the
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

    /// The plan that removes everything Plumb made on the leaf, whatever the facility names it now: its VXLAN devices
    /// (guest-VLAN networks' too), then its bridges (which releases the ports and drops their VLANs and static entries).
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

    /// The mappings that contradict no other (a VLAN or a VNI mapped twice is an item error), in document order.
    private let mappings: [LeafDesiredState.VLANMapping]
    /// What is wrong with the others.
    private let mappingErrors: [HostStatusReport.ItemError]
    /// The names of the guest-VLAN networks' own VXLAN devices the document asks for.
    private let guestDevices: Set<String>

    /// The bridge as observed, when it is Plumb's and kept (nil when it is made in this plan or cannot be used).
    private var keptBridge: ObservedLink?
    /// Each VXLAN device as observed, by name, when it is kept.
    private var keptVXLANs: [String: ObservedLink] = [:]
    /// Plumb's leaf devices that this plan deletes because the facility no longer names them: their ports are free.
    private var staleDevices = Set<Int32>()
    /// Whether the bridge can be used at all (Plumb's, or made in this plan).
    private var bridgeUsable = false
    /// The VXLAN devices that can be used at all (Plumb's, or made in this plan).
    private var usableVXLANs = Set<String>()

    var bridgeItem: String { "bridge \(desired.bridge)" }
    var vxlanItem: String { "vxlan \(desired.vxlanDevice)" }

    init(desired: LeafDesiredState, observed: ObservedLeaf, configuration: AgentConfiguration) {
        self.desired = desired
        self.observed = observed
        self.configuration = configuration
        linksByName = Dictionary(observed.links.map { ($0.name, $0) }) { first, _ in first }
        var vniOfVLAN: [Int: Int] = [:]
        var vlanOfVNI: [Int: Int] = [:]
        var mappings: [LeafDesiredState.VLANMapping] = []
        var errors: [HostStatusReport.ItemError] = []
        for entry in desired.vlans {
            if let other = vniOfVLAN[entry.vlan], other != entry.vni {
                errors.append(HostStatusReport.ItemError(item: "vni \(entry.vni)", message: "VLAN \(entry.vlan) is mapped to VNI \(other) already"))
                continue
            }
            if let other = vlanOfVNI[entry.vni], other != entry.vlan {
                errors.append(HostStatusReport.ItemError(item: "vni \(entry.vni)", message: "VNI \(entry.vni) is mapped from VLAN \(other) already"))
                continue
            }
            if vniOfVLAN[entry.vlan] == nil { mappings.append(entry) }
            vniOfVLAN[entry.vlan] = entry.vni
            vlanOfVNI[entry.vni] = entry.vlan
        }
        self.mappings = mappings
        mappingErrors = errors
        guestDevices = Set(mappings.filter(\.guestVlans).map { LeafDesiredState.guestVLANDevice(vni: $0.vni) })
    }

    /// The VXLAN device that carries `mapping`'s VNI: the network's own for guest VLANs, else the shared one.
    private func device(of mapping: LeafDesiredState.VLANMapping) -> String {
        mapping.guestVlans ? LeafDesiredState.guestVLANDevice(vni: mapping.vni) : desired.vxlanDevice
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
            && link.name != desired.bridge && link.name != desired.vxlanDevice && !guestDevices.contains(link.name) {
            add("leaf", .deleteLink(name: link.name))
            staleDevices.insert(link.index)
        }
    }

    /// The bridge and the VXLAN devices: made, fixed, or (when something not Plumb's has the name) reported.
    mutating func planDevices() {
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
        planVXLANDevice(desired.vxlanDevice, item: vxlanItem, underlayIndex: underlayIndex)
        for name in guestDevices.sorted() {
            planVXLANDevice(name, item: "vxlan \(name)", underlayIndex: underlayIndex)
        }
    }

    /// One `external vnifilter` VXLAN device with the leaf's settings on the bridge, `vlan_tunnel on` and up: kept, fixed,
    /// or made anew (a device whose settings differ is replaced); reported when something not Plumb's has the name.
    private mutating func planVXLANDevice(_ name: String, item: String, underlayIndex: Int32?) {
        if let vxlan = linksByName[name] {
            guard configuration.owns(vxlan) else {
                fail(item, "\(name) exists and is not Plumb's")
                return
            }
            let parameters = vxlan.vxlan
            if vxlan.kind == .vxlan, let parameters, parameters.externalVNIFilter, parameters.local == desired.vtepIp,
               parameters.port == configuration.vxlanPort, parameters.underlayIndex == underlayIndex, !parameters.learning {
                keptVXLANs[name] = vxlan
            } else {
                add(item, parent: bridgeItem, .deleteLink(name: name))
            }
        }
        let kept = keptVXLANs[name]
        if let vxlan = kept, let bridge = keptBridge, vxlan.masterIndex == bridge.index {
            if vxlan.vlanTunnel != true { add(item, parent: bridgeItem, .setVLANTunnel(link: name)) }
            if !vxlan.isUp { add(item, parent: bridgeItem, .setUp(link: name)) }
        } else {
            if kept == nil {
                add(item, parent: bridgeItem, .createExternalVXLAN(name: name, local: desired.vtepIp, port: configuration.vxlanPort,
                                                                   underlay: desired.underlayPort, alias: configuration.leafAlias))
            }
            add(item, parent: bridgeItem, .setMaster(link: name, master: desired.bridge))
            add(item, parent: bridgeItem, .setVLANTunnel(link: name))
            if !(kept?.isUp ?? false) { add(item, parent: bridgeItem, .setUp(link: name)) }
        }
        usableVXLANs.insert(name)
    }

    /// What is kept on the port of VXLAN device `name`: nothing when the port is new (a new device, or a new bridge).
    private func keptVXLANPort(_ name: String) -> ObservedLink? {
        guard let vxlan = keptVXLANs[name], let bridge = keptBridge, vxlan.masterIndex == bridge.index else { return nil }
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
            wanted[access.port, default: []].insert(PortVLAN(vlan: access.vlan, mode: .access))
        }
        for trunk in desired.taggedPorts {
            if wanted[trunk.port]?.contains(where: { $0.mode == .access }) == true {
                fail("port \(trunk.port)", "wanted both as an access port and as a trunk")
                refused.insert(trunk.port)
            }
            wanted[trunk.port, default: []].formUnion(trunk.vlans.map { PortVLAN(vlan: $0, mode: .tagged) })
        }
        // The VXLAN devices' ports are the mappings' to plan.
        let vxlanPorts = guestDevices.union([desired.vxlanDevice])
        for name in vxlanPorts { wanted[name] = nil }

        // Ports on Plumb's bridge that serve nothing any more leave it (which drops their VLANs and entries); devices
        // deleted in this plan go with their port.
        let enslaved = keptBridge.map { bridge in
            observed.links.filter { $0.masterIndex == bridge.index && !vxlanPorts.contains($0.name) && !staleDevices.contains($0.index) }
        } ?? []
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
                add(item, parent: bridgeItem, .addPortVLAN(port: name, vlan: vlan.vlan, mode: vlan.mode))
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

    /// VLAN→VNI mappings on the VXLAN ports, their VNI filters, and their per-VNI forwarding entries: the shared
    /// device's first (so that a VNI it gives up is free for a network's own device), then each guest-VLAN network's.
    mutating func planMappings() {
        guard usableVXLANs.contains(desired.vxlanDevice) else { return }
        plan.errors += mappingErrors
        planMappings(mappings.filter { !$0.guestVlans }, device: desired.vxlanDevice, item: vxlanItem, mode: .tagged)
        for mapping in mappings.filter(\.guestVlans).sorted(by: { $0.vni < $1.vni }) {
            let name = device(of: mapping)
            guard usableVXLANs.contains(name) else { continue }
            planMappings([mapping], device: name, item: "vxlan \(name)", mode: .pvid)
        }
    }

    /// Makes VXLAN device `device` carry exactly `mappings`: its port's VLANs (carried as `mode` says) and their
    /// VLAN→VNI tunnels, its VNI filter, and the flood and remote MAC entries of those VNIs.
    private mutating func planMappings(_ mappings: [LeafDesiredState.VLANMapping], device: String, item parentItem: String,
                                       mode: BridgeVLANMode) {
        let mapping = Dictionary(mappings.map { ($0.vlan, $0.vni) }) { first, _ in first }
        let vnis = Set(mappings.map(\.vni))
        var wantedEntries = Set<RemoteEntry>()
        for entry in mappings {
            for vtep in entry.flood { wantedEntries.insert(RemoteEntry(mac: .zero, dst: vtep, vni: entry.vni)) }
        }
        for entry in desired.fdb {
            guard let vtep = entry.vtep, vnis.contains(entry.vni) else { continue }
            wantedEntries.insert(RemoteEntry(mac: entry.mac, dst: vtep, vni: entry.vni))
        }

        let kept = keptVXLANs[device]
        let port = keptVXLANPort(device)
        let currentTunnels = port.map { observed.tunnels[$0.index] ?? [:] } ?? [:]
        let currentVLANs = port.map { observed.portVLANs[$0.index] ?? [] } ?? []
        let currentVNIs = kept.map { observed.vniFilters[$0.index] ?? [] } ?? []
        let currentEntries = Set(kept.map { vxlan in
            observed.vniFDB.filter { $0.index == vxlan.index }.map { RemoteEntry(mac: $0.mac, dst: $0.dst, vni: $0.vni) }
        } ?? [])

        func item(_ vni: Int) -> String { "vni \(vni)" }
        for entry in currentEntries.subtracting(wantedEntries).sorted() {
            add(item(entry.vni), parent: parentItem, .deleteVNIFDB(device: device, mac: entry.mac, dst: entry.dst, vni: entry.vni))
        }
        for (vlan, vni) in currentTunnels.sorted(by: { $0.key < $1.key }) where mapping[vlan] != vni {
            add(item(vni), parent: parentItem, .deleteVLANTunnel(device: device, vlan: vlan, vni: vni))
        }
        for vlan in currentVLANs.map(\.vlan).sorted() where mapping[vlan] == nil {
            add(item(currentTunnels[vlan] ?? 0), parent: parentItem, .deletePortVLAN(port: device, vlan: vlan))
        }
        for vni in currentVNIs.sorted() where !vnis.contains(vni) {
            add(item(vni), parent: parentItem, .deleteVNI(device: device, vni: vni))
        }
        for (vlan, vni) in mapping.sorted(by: { $0.key < $1.key }) {
            if !currentVNIs.contains(vni) { add(item(vni), parent: parentItem, .addVNI(device: device, vni: vni)) }
            if !currentVLANs.contains(PortVLAN(vlan: vlan, mode: mode)) {
                add(item(vni), parent: parentItem, .addPortVLAN(port: device, vlan: vlan, mode: mode))
            }
            if currentTunnels[vlan] != vni { add(item(vni), parent: parentItem, .addVLANTunnel(device: device, vlan: vlan, vni: vni)) }
            for entry in wantedEntries.subtracting(currentEntries).filter({ $0.vni == vni }).sorted() {
                add(item(vni), parent: parentItem, .addVNIFDB(device: device, mac: entry.mac, dst: entry.dst, vni: vni))
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
