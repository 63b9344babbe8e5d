import PlumbModel
import PlumbNetlink

/// Planning of VXLAN networks: bridges, VXLAN devices, their forwarding entries and the taps in them.
extension PlanBuilder {
    /// What a device Plumb wants under some name must be, and the item it belongs to.
    struct ExpectedDevice {
        enum Kind: Equatable { case bridge, vxlan(ObservedVXLAN), tap }
        var kind: Kind
        var item: String
    }

    /// Plans every network (a nil `vtep` with no networks removes all of Plumb's devices).
    mutating func planNetworks(_ networks: [HostDesiredState.Network], vtep: HostDesiredState.VTEP?) {
        let valid = validNetworks(networks, vtep: vtep)
        let underlay = vtep?.underlayNic.flatMap { link(named: $0) }
        var expected: [String: ExpectedDevice] = [:]
        for network in valid {
            guard let vtep else { break }
            let item = networkItem(network)
            expected[configuration.bridgeName(vni: network.vni)] = ExpectedDevice(kind: .bridge, item: item)
            let parameters = ObservedVXLAN(vni: network.vni, local: vtep.localIp, port: configuration.vxlanPort,
                                           learning: false, underlayIndex: underlay?.index)
            expected[configuration.vxlanName(vni: network.vni)] = ExpectedDevice(kind: .vxlan(parameters), item: item)
            for tap in network.taps { expected[tap.name] = ExpectedDevice(kind: .tap, item: tapItem(tap)) }
        }
        deleteStaleDevices(expected: expected)
        guard let vtep else { return }
        for network in valid {
            planNetwork(network, vtep: vtep, underlay: underlay?.name, expected: expected)
        }
    }

    private func networkItem(_ network: HostDesiredState.Network) -> String { PlanItem.network(vni: network.vni) }
    private func tapItem(_ tap: HostDesiredState.Tap) -> String { PlanItem.tap(tap.name) }

    /// The networks (and within them the taps) that can be applied; the others become item errors.
    private mutating func validNetworks(_ networks: [HostDesiredState.Network], vtep: HostDesiredState.VTEP?) -> [HostDesiredState.Network] {
        guard let vtep else { return [] }
        var vnis = Set<Int>()
        var names = Set<String>()
        var valid: [HostDesiredState.Network] = []
        for network in networks {
            let item = networkItem(network)
            guard Limits.vni.contains(network.vni) else {
                fail(item, "vni \(network.vni) is outside \(Limits.vni)"); continue
            }
            guard vnis.insert(network.vni).inserted else { fail(item, "vni \(network.vni) appears twice in the document"); continue }
            let mtu = configuration.mtu(of: network, underlayMtu: vtep.underlayMtu)
            guard Limits.mtu.contains(mtu) else {
                let source = network.mtu != nil ? "the network's mtu" : "underlayMtu \(vtep.underlayMtu) minus VXLAN overhead"
                fail(item, "mtu \(mtu) (\(source)) is outside \(Limits.mtu)"); continue
            }
            names.insert(configuration.bridgeName(vni: network.vni))
            names.insert(configuration.vxlanName(vni: network.vni))
            valid.append(network)
        }
        for index in valid.indices {
            valid[index].taps = valid[index].taps.filter { tap in
                if let problem = Self.problem(withInterfaceName: tap.name) {
                    fail(tapItem(tap), "name \(problem)"); return false
                }
                guard names.insert(tap.name).inserted else {
                    fail(tapItem(tap), "name '\(tap.name)' is used twice (by another tap or a Plumb bridge/VXLAN device)")
                    return false
                }
                return true
            }
        }
        return valid
    }

    /// Why the kernel would refuse `name` as an interface name, or nil if it is fine.
    static func problem(withInterfaceName name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > Limits.interfaceNameLength { return "'\(name)' is longer than \(Limits.interfaceNameLength) bytes" }
        if name == "." || name == ".." || name.contains("/") || name.contains(":")
            || name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) {
            return "'\(name)' is not a valid interface name"
        }
        return nil
    }

    /// Whether a link already is what Plumb expects under its name.
    private func conforms(_ link: ObservedLink, to expectation: ExpectedDevice) -> Bool {
        switch expectation.kind {
        case .bridge: return link.kind == .bridge
        case .tap: return link.kind == .tap
        case .vxlan(let parameters): return link.kind == .vxlan && link.vxlan == parameters
        }
    }

    /// The observed device Plumb can keep for `name`: owned, not being deleted, and already of the right kind and
    /// parameters.
    private func keptDevice(_ name: String, expected: [String: ExpectedDevice]) -> ObservedLink? {
        guard let link = link(named: name), configuration.owns(link), !configuration.isBeingDeleted(link),
              let expectation = expected[name], conforms(link, to: expectation) else { return nil }
        return link
    }

    /// Deletes Plumb's devices that are not wanted, or not wanted as they are: taps, then VXLAN devices, then the rest.
    private mutating func deleteStaleDevices(expected: [String: ExpectedDevice]) {
        func rank(_ link: ObservedLink) -> Int {
            switch link.kind {
            case .tap: return 0
            case .vxlan: return 1
            case .bridge: return 3
            case .other: return 2
            }
        }
        let stale = observed.links.filter { link in
            guard configuration.owns(link) else { return false }
            guard let expectation = expected[link.name], !configuration.isBeingDeleted(link) else { return true }
            return !conforms(link, to: expectation)
        }
        for link in stale.sorted(by: { (rank($0), $0.name) < (rank($1), $1.name) }) {
            add(expected[link.name]?.item ?? "link \(link.name)", .deleteLink(name: link.name))
        }
    }

    /// An item error when `name` is taken by a device Plumb does not own; true if the name is free or Plumb's.
    private mutating func claimable(_ name: String, item: String) -> Bool {
        guard let link = link(named: name), !configuration.owns(link) else { return true }
        fail(item, "device \(name) exists and is not Plumb's (link group \(link.group), alias "
             + "\(link.alias.map { "'\($0)'" } ?? "none")); left alone")
        return false
    }

    private mutating func planNetwork(_ network: HostDesiredState.Network, vtep: HostDesiredState.VTEP, underlay: String?,
                                      expected: [String: ExpectedDevice]) {
        let item = networkItem(network)
        let bridgeName = configuration.bridgeName(vni: network.vni)
        let vxlanName = configuration.vxlanName(vni: network.vni)
        guard claimable(bridgeName, item: item), claimable(vxlanName, item: item) else { return }
        let mtu = configuration.mtu(of: network, underlayMtu: vtep.underlayMtu)
        let alias = configuration.networkAlias(vni: network.vni)

        let bridge = keptDevice(bridgeName, expected: expected)
        if bridge == nil { add(item, .createBridge(name: bridgeName, mtu: mtu, alias: alias)) }
        fixAttributes(bridge, name: bridgeName, mtu: mtu, alias: alias, item: item)

        let vxlan = keptDevice(vxlanName, expected: expected)
        if vxlan == nil {
            add(item, .createVXLAN(name: vxlanName, vni: network.vni, local: vtep.localIp, port: configuration.vxlanPort,
                                   underlay: underlay, mtu: mtu, alias: alias))
        }
        fixPort(vxlan, name: vxlanName, bridge: bridge, bridgeName: bridgeName, isolated: false, item: item)
        fixAttributes(vxlan, name: vxlanName, mtu: mtu, alias: alias, item: item)
        planFDB(network, vxlan: vxlan, name: vxlanName, item: item)

        for tap in network.taps {
            let tapItem = tapItem(tap)
            guard claimable(tap.name, item: tapItem) else { continue }
            let link = keptDevice(tap.name, expected: expected)
            let tapAlias = configuration.tapAlias(materialization: tap.materialization, vm: tap.vm, nic: tap.nic)
            if link == nil { add(tapItem, parent: item, .createTap(name: tap.name, mtu: mtu, alias: tapAlias)) }
            fixPort(link, name: tap.name, bridge: bridge, bridgeName: bridgeName, isolated: network.isolated,
                    item: tapItem, parent: item)
            fixAttributes(link, name: tap.name, mtu: mtu, alias: tapAlias, item: tapItem, parent: item)
        }
    }

    /// Restores the alias (missing after an interrupted creation, or naming an older VM), sets the MTU if it differs,
    /// takes away any L3 presence (IPv6 address generation on, any IPv4 or IPv6 address: an experiment network must
    /// not be a path into the hypervisor), and brings the device up if it is down (always for a device about to be
    /// made; a new device is created with address generation off).
    private mutating func fixAttributes(_ link: ObservedLink?, name: String, mtu: Int, alias: String, item: String,
                                        parent: String? = nil) {
        if let link, link.alias != alias { add(item, parent: parent, .setAlias(link: name, alias: alias)) }
        if let link, link.mtu != mtu { add(item, parent: parent, .setMTU(link: name, mtu: mtu)) }
        if let mode = link?.ipv6AddressGenerationMode, mode != IPv6AddressGeneration.off.rawValue {
            add(item, parent: parent, .disableIPv6AddressGeneration(link: name))
        }
        for address in link?.addresses ?? [] { add(item, parent: parent, .deleteAddress(link: name, address: address)) }
        if link?.isUp != true { add(item, parent: parent, .setUp(link: name)) }
    }

    /// Enslaves a device to its bridge and sets its `isolated` flag. A port that is (re)enslaved starts with
    /// `isolated` off, so the flag is only set then when it must be on.
    private mutating func fixPort(_ link: ObservedLink?, name: String, bridge: ObservedLink?, bridgeName: String,
                                  isolated: Bool, item: String, parent: String? = nil) {
        let attached = link != nil && bridge != nil && link?.masterIndex == bridge?.index
        if !attached { add(item, parent: parent, .setMaster(link: name, master: bridgeName)) }
        let current = attached ? (link?.isolated ?? false) : false
        if current != isolated { add(item, parent: parent, .setIsolated(link: name, isolated: isolated)) }
    }

    /// Deletes the VXLAN device's entries the document does not name, then adds the missing ones.
    private mutating func planFDB(_ network: HostDesiredState.Network, vxlan: ObservedLink?, name: String, item: String) {
        var wanted: [ObservedFDBEntry] = []
        var seen = Set<ObservedFDBEntry>()
        let pairs = network.flood.map { (MACAddress.zero, $0) } + network.fdb.map { ($0.mac, $0.vtep) }
        for (mac, dst) in pairs {
            let entry = ObservedFDBEntry(index: vxlan?.index ?? 0, mac: mac, dst: dst)
            if seen.insert(entry).inserted { wanted.append(entry) }
        }
        let present = vxlan.map { link in fdb(of: link.index) } ?? []
        let fdbItem = "\(item) fdb"
        for entry in present where !seen.contains(entry) {
            add(fdbItem, parent: item, .deleteFDB(device: name, mac: entry.mac, dst: entry.dst))
        }
        let existing = Set(present)
        for entry in wanted where !existing.contains(entry) {
            add(fdbItem, parent: item, .addFDB(device: name, mac: entry.mac, dst: entry.dst))
        }
    }
}
