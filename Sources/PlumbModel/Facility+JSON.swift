import Foundation

extension Facility {
    /// The facility's wire JSON, byte for byte what ``PlumbJSON/encode(_:)`` writes, written member by member
    /// (``WireJSONWriter``): a facility of thousands of hypervisors is megabytes, and Foundation's encoder was most of
    /// the controller's CPU in a facility change.
    ///
    /// Every stored member is written here, under its `CodingKeys` name, keys sorted. `FacilityJSONTests` holds the
    /// bytes equal to Foundation's for facilities with every optional member given and left out, and counts each
    /// type's stored members, so that a member added to a type and not written here fails it.
    public func wireJSON() -> Data {
        var json = WireJSONWriter(capacity: 1024 + 256 * leaves.count + 1024 * hypervisors.count)
        json.beginObject()
        json.member(CodingKeys.hypervisors, hypervisors) { $0.write(into: &$1) }
        json.member(CodingKeys.leaves, leaves) { $0.write(into: &$1) }
        json.member(CodingKeys.reservedVnis, reservedVnis)
        json.member(CodingKeys.vniRanges, vniRanges) { $0.write(into: &$1) }
        json.endObject()
        return Data(json.bytes)
    }
}

extension Facility.NumberRange {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.member(CodingKeys.first, first)
        json.member(CodingKeys.last, last)
        json.endObject()
    }
}

extension Facility.Leaf {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.member(CodingKeys.bridge, bridge)
        json.member(CodingKeys.mtu, mtu)
        json.member(CodingKeys.name, name)
        json.member(CodingKeys.reservedVlans, reservedVlans)
        json.member(CodingKeys.underlayPort, underlayPort)
        json.member(CodingKeys.vlanProtocol, vlanProtocol.rawValue)
        json.key(CodingKeys.vlanRange.stringValue)
        vlanRange.write(into: &json)
        json.member(CodingKeys.vtepIp, vtepIp.description)
        json.member(CodingKeys.vxlanDevice, vxlanDevice)
        json.endObject()
    }
}

extension Facility.Hypervisor {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.member(CodingKeys.leaf, leaf)
        json.member(CodingKeys.name, name)
        json.member(CodingKeys.nics, nics) { $0.write(into: &$1) }
        json.member(CodingKeys.reservedVlans, reservedVlans)
        json.member(CodingKeys.underlayMtu, underlayMtu)
        json.member(CodingKeys.underlayNic, underlayNic)
        json.member(CodingKeys.vtepIp, vtepIp.description)
        json.endObject()
    }
}

extension Facility.NIC {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.member(CodingKeys.canStackVlans, canStackVlans)
        json.member(CodingKeys.leafPort, leafPort)
        json.member(CodingKeys.mayMix, mayMix)
        json.member(CodingKeys.name, name)
        json.member(CodingKeys.passthrough, passthrough)
        json.member(CodingKeys.pciAddress, pciAddress.description)
        json.member(CodingKeys.vfLimit, vfLimit)
        json.endObject()
    }
}
