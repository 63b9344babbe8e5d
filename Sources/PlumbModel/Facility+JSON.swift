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
        json.key(CodingKeys.hypervisors.stringValue)
        json.beginArray()
        hypervisors.forEach { $0.write(into: &json) }
        json.endArray()
        json.key(CodingKeys.leaves.stringValue)
        json.beginArray()
        leaves.forEach { $0.write(into: &json) }
        json.endArray()
        json.key(CodingKeys.reservedVnis.stringValue)
        json.integers(reservedVnis)
        json.key(CodingKeys.vniRanges.stringValue)
        json.beginArray()
        vniRanges.forEach { $0.write(into: &json) }
        json.endArray()
        json.endObject()
        return Data(json.bytes)
    }
}

extension Facility.NumberRange {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.key(CodingKeys.first.stringValue)
        json.integer(first)
        json.key(CodingKeys.last.stringValue)
        json.integer(last)
        json.endObject()
    }
}

extension Facility.Leaf {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.key(CodingKeys.bridge.stringValue)
        json.string(bridge)
        if let mtu {
            json.key(CodingKeys.mtu.stringValue)
            json.integer(mtu)
        }
        json.key(CodingKeys.name.stringValue)
        json.string(name)
        json.key(CodingKeys.reservedVlans.stringValue)
        json.integers(reservedVlans)
        if let underlayPort {
            json.key(CodingKeys.underlayPort.stringValue)
            json.string(underlayPort)
        }
        json.key(CodingKeys.vlanProtocol.stringValue)
        json.string(vlanProtocol.rawValue)
        json.key(CodingKeys.vlanRange.stringValue)
        vlanRange.write(into: &json)
        json.key(CodingKeys.vtepIp.stringValue)
        json.string(vtepIp.description)
        json.key(CodingKeys.vxlanDevice.stringValue)
        json.string(vxlanDevice)
        json.endObject()
    }
}

extension Facility.Hypervisor {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.key(CodingKeys.leaf.stringValue)
        json.string(leaf)
        json.key(CodingKeys.name.stringValue)
        json.string(name)
        json.key(CodingKeys.nics.stringValue)
        json.beginArray()
        nics.forEach { $0.write(into: &json) }
        json.endArray()
        json.key(CodingKeys.reservedVlans.stringValue)
        json.integers(reservedVlans)
        json.key(CodingKeys.underlayMtu.stringValue)
        json.integer(underlayMtu)
        if let underlayNic {
            json.key(CodingKeys.underlayNic.stringValue)
            json.string(underlayNic)
        }
        json.key(CodingKeys.vtepIp.stringValue)
        json.string(vtepIp.description)
        json.endObject()
    }
}

extension Facility.NIC {
    func write(into json: inout WireJSONWriter) {
        json.beginObject()
        json.key(CodingKeys.canStackVlans.stringValue)
        json.bool(canStackVlans)
        json.key(CodingKeys.leafPort.stringValue)
        json.string(leafPort)
        json.key(CodingKeys.mayMix.stringValue)
        json.bool(mayMix)
        json.key(CodingKeys.name.stringValue)
        json.string(name)
        json.key(CodingKeys.passthrough.stringValue)
        json.bool(passthrough)
        json.key(CodingKeys.pciAddress.stringValue)
        json.string(pciAddress.description)
        json.key(CodingKeys.vfLimit.stringValue)
        json.integer(vfLimit)
        json.endObject()
    }
}
