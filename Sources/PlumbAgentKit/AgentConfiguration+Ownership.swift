/// How Plumb names its devices and recognises them as its own.
///
/// Bridges and VXLAN devices are named from the VNI (`plbr<vni>`, `plvx<vni>`: at most 12 characters for a
/// 24-bit VNI); taps are named by the controller. Every device Plumb makes carries the configured link group
/// and an alias starting with the configured prefix, set right after creation.
extension AgentConfiguration {
    /// The bridge of a VNI.
    public func bridgeName(vni: Int) -> String { "plbr\(vni)" }

    /// The VXLAN device of a VNI.
    public func vxlanName(vni: Int) -> String { "plvx\(vni)" }

    /// The alias of a network's bridge and VXLAN device.
    func networkAlias(vni: Int) -> String { limitedAlias("\(aliasPrefix)vni \(vni)") }

    /// The alias of a leaf switch's bridge and VXLAN device.
    var leafAlias: String { "\(aliasPrefix)leaf" }

    /// The alias of a VM NIC's tap: which materialization, VM and NIC it serves.
    func tapAlias(materialization: String, vm: String, nic: String) -> String {
        limitedAlias("\(aliasPrefix)\(materialization)/\(vm)/\(nic)")
    }

    /// Whether Plumb owns a device: it is in Plumb's link group (or its deletion group) and its alias, if set, has
    /// Plumb's prefix.
    ///
    /// A device in the group without an alias is one whose creation was interrupted between the create request
    /// (which carries the group) and the alias request; a device in the group with a foreign alias is not Plumb's.
    /// A device in the deletion group is one whose deletion was interrupted: Plumb's, and never kept.
    public func owns(_ link: ObservedLink) -> Bool {
        (link.group == linkGroup || isBeingDeleted(link)) && (link.alias.map { $0.hasPrefix(aliasPrefix) } ?? true)
    }

    /// Whether a device is in the deletion group.
    func isBeingDeleted(_ link: ObservedLink) -> Bool { link.group == deletionGroup && deletionGroup != linkGroup }

    /// The kernel keeps at most 255 bytes of alias; cut at a character boundary below that.
    private func limitedAlias(_ alias: String) -> String {
        var result = ""
        var bytes = 0
        for character in alias {
            bytes += character.utf8.count
            if bytes > 255 { break }
            result.append(character)
        }
        return result
    }
}
