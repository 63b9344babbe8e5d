import Foundation
import PlumbAPI
import PlumbController
@testable import PlumbControllerServer
import PlumbModel
import XCTest

/// The controller's domain types read every member the document lets a request body carry: the document's examples
/// together hold every property of their body's schema, and each goes through the generated type and ``Wire`` to
/// the domain type, whose JSON form must still carry every member of the example. A property added to the document
/// but not to the domain type (silently dropped on the way in) fails here. (Answers need no such test: ``Wire``
/// decodes every answer with the generated types, which refuse a member the document lacks — except the answers
/// sent as bytes encoded once, held to the generated type below and in `DesiredDocumentSchemaTests`.)
final class WireTests: XCTestCase {
    private static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("controller/openapi.json")

    /// Writes generated values as the generated server does (``ControllerAPI/runtimeConfiguration``): sorted keys.
    private static let generatedEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Each request body's schema name → its trip through the generated type and Wire to the domain type, as JSON.
    private static let trips: [String: (Data) throws -> Data] = [
        "Facility": { try trip(Components.Schemas.Facility.self, Facility.self, $0) },
        "FacilityPatch": { try trip(Components.Schemas.FacilityPatch.self, FacilityPatch.self, $0) },
        "MaterializationSpec": { try trip(Components.Schemas.MaterializationSpec.self, MaterializationSpec.self, $0) },
        "HostStatusReport": { try trip(Components.Schemas.HostStatusReport.self, HostStatusReport.self, $0) },
    ]

    private static func trip<Generated: Codable, Domain: Codable>(_: Generated.Type, _: Domain.Type, _ data: Data) throws -> Data {
        try PlumbJSON.encode(try Wire.domain(Domain.self, from: try JSONDecoder().decode(Generated.self, from: data)))
    }

    func testTheExamplesHoldEveryPropertyOfTheirBodies() throws {
        let (schemas, bodies) = try Self.requestBodies()
        for (name, examples) in bodies {
            var wanted = Set<String>(), seen = Set<String>()
            Self.properties(of: ["$ref": "#/components/schemas/\(name)"], schemas, path: "", into: &wanted)
            for example in examples { Self.members(of: example, path: "", into: &seen) }
            XCTAssertEqual(wanted.subtracting(seen).sorted(), [], "\(name): properties no example of the document holds")
        }
    }

    func testTheDomainTypesKeepEveryMemberOfTheExamples() throws {
        let (_, bodies) = try Self.requestBodies()
        XCTAssertEqual(Set(bodies.keys), Set(Self.trips.keys))
        for (name, examples) in bodies {
            let trip = try XCTUnwrap(Self.trips[name], name)
            for example in examples {
                let given = try JSONSerialization.data(withJSONObject: example)
                let kept = try JSONSerialization.jsonObject(with: try trip(given))
                if let lost = Self.firstLost(example, in: kept, path: name) {
                    XCTFail("\(lost): in the document's example, lost on the way to the domain type")
                }
            }
        }
    }

    /// `PUT /v1/facility` answers with the facility's JSON as stored (``DeclaredFacility/json``), not through the
    /// generated type: those bytes must be exactly the ones the generated type writes for the same facility.
    func testTheDeclaredFacilityIsWhatTheGeneratedTypeWrites() throws {
        let examples = try XCTUnwrap(try Self.requestBodies().1["Facility"])
        let given = try examples.map { try JSONSerialization.data(withJSONObject: $0) } + [try PlumbJSON.encode(TestFacility.facility())]
        for body in given {
            let wire = try JSONDecoder().decode(Components.Schemas.Facility.self, from: body)
            let facility = try FacilityValidation.validate(try Wire.domain(Facility.self, from: wire))
            let stored = try PlumbJSON.encode(facility)
            let generated = try Self.generatedEncoder.encode(try Wire.wire(Components.Schemas.Facility.self, from: facility))
            XCTAssertEqual(String(decoding: stored, as: UTF8.self), String(decoding: generated, as: UTF8.self))
        }
    }

    /// A facility body is taken member by member (``Wire/facility(_:)``), not through its JSON form: the same
    /// domain value, defaults included, for the document's examples (every property given), a facility with every
    /// optional member left out, and TestFacility; and nil where a value does not parse, so that the JSON path
    /// names the field.
    func testAFacilityTakenMemberByMemberIsTheOneTheJSONFormGives() throws {
        let examples = try XCTUnwrap(try Self.requestBodies().1["Facility"])
        let minimal = Data("""
            {"vni_ranges": [{"first": 10, "last": 20}], "leaves": [{"name": "l", "vtep_ip": "198.18.0.1",
             "vlan_range": {"first": 100, "last": 200}}], "hypervisors": [{"name": "h", "vtep_ip": "198.19.0.1", "leaf": "l",
             "nics": [{"name": "eno1", "pci_address": "0000:3b:00.0", "leaf_port": "swp1"}]}]}
            """.utf8)
        let bodies = try examples.map { try JSONSerialization.data(withJSONObject: $0) }
            + [minimal, Data(#"{"vni_ranges": []}"#.utf8), try PlumbJSON.encode(TestFacility.facility())]
        try assertTakenMemberByMember(bodies, as: Components.Schemas.Facility.self, Wire.facility)
        var unparsable = try JSONDecoder().decode(Components.Schemas.Facility.self, from: minimal)
        unparsable.hypervisors?[0].nics?[0].pciAddress = "0000:3b:00"
        XCTAssertNil(Wire.facility(unparsable))
        unparsable.hypervisors?[0].nics?[0].pciAddress = "0000:3b:00.0"
        unparsable.leaves?[0].vtepIp = "198.18.0.256"
        XCTAssertNil(Wire.facility(unparsable))
    }

    /// A patch body is taken member by member (``Wire/facilityPatch(_:)``) into the patch its JSON form gives, for
    /// the document's examples, every member given and every optional member left out; nil where a value does not parse.
    func testAFacilityPatchTakenMemberByMemberIsTheOneTheJSONFormGives() throws {
        let examples = try XCTUnwrap(try Self.requestBodies().1["FacilityPatch"])
        let full = Data("""
            {"hypervisors": [{"name": "h", "vtep_ip": "198.19.0.1", "leaf": "l", "underlay_nic": "eno1", "underlay_mtu": 9000,
             "reserved_vlans": [5], "nics": [{"name": "eno1", "pci_address": "0000:3b:00.0", "leaf_port": "swp1", "vf_limit": 8,
             "may_mix": false, "can_stack_vlans": true, "passthrough": false}, {"name": "eno2", "pci_address": "0000:3b:00.1",
             "leaf_port": "swp2"}]}, {"name": "g"}, {"name": "k", "nics": []}]}
            """.utf8)
        let bodies = try examples.map { try JSONSerialization.data(withJSONObject: $0) } + [full, Data("{}".utf8)]
        try assertTakenMemberByMember(bodies, as: Components.Schemas.FacilityPatch.self, Wire.facilityPatch)
        var unparsable = try JSONDecoder().decode(Components.Schemas.FacilityPatch.self, from: full)
        unparsable.hypervisors?[0].nics?[1].pciAddress = "0000:3b:00"
        XCTAssertNil(Wire.facilityPatch(unparsable))
        unparsable.hypervisors?[0].nics?[1].pciAddress = "0000:3b:00.1"
        unparsable.hypervisors?[0].vtepIp = "198.19.0.256"
        XCTAssertNil(Wire.facilityPatch(unparsable))
    }

    /// Each body, decoded as the generated `schema`, is taken member by member (`convert`) into the domain value its
    /// JSON form gives (``Wire/domain(_:from:)``).
    private func assertTakenMemberByMember<Schema: Codable, Domain: Decodable & Equatable>(
        _ bodies: [Data], as schema: Schema.Type, _ convert: (Schema) -> Domain?, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for body in bodies {
            let wire = try JSONDecoder().decode(schema, from: body)
            XCTAssertEqual(convert(wire), try Wire.domain(Domain.self, from: wire), String(decoding: body, as: UTF8.self),
                           file: file, line: line)
        }
    }

    /// The component schemas, and each request body's schema name with the values of its examples.
    private static func requestBodies() throws -> ([String: Any], [String: [Any]]) {
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.document)) as? [String: Any])
        let schemas = try XCTUnwrap((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        var bodies: [String: [Any]] = [:]
        for item in (document["paths"] as? [String: [String: Any]] ?? [:]).values {
            for operation in item.values {
                guard let json = ((operation as? [String: Any])?["requestBody"] as? [String: Any])
                    .flatMap({ ($0["content"] as? [String: Any])?["application/json"] as? [String: Any] }),
                      let reference = (json["schema"] as? [String: Any])?["$ref"] as? String else { continue }
                let examples = (json["examples"] as? [String: [String: Any]] ?? [:]).values.compactMap { $0["value"] }
                bodies[String(reference.split(separator: "/").last!), default: []] += examples
            }
        }
        return (schemas, bodies)
    }

    /// Every property path a schema allows (`.hypervisors[].nics[].name`), through references, arrays and combinations.
    private static func properties(of schema: [String: Any], _ schemas: [String: Any], path: String, into result: inout Set<String>) {
        var schema = schema
        while let reference = schema["$ref"] as? String, let target = schemas[String(reference.split(separator: "/").last!)] as? [String: Any] {
            schema = target
        }
        for (key, value) in schema["properties"] as? [String: [String: Any]] ?? [:] {
            result.insert(path + "." + key)
            properties(of: value, schemas, path: path + "." + key, into: &result)
        }
        if let items = schema["items"] as? [String: Any] { properties(of: items, schemas, path: path + "[]", into: &result) }
        for combination in ["oneOf", "anyOf", "allOf"] {
            for alternative in schema[combination] as? [[String: Any]] ?? [] {
                properties(of: alternative, schemas, path: path, into: &result)
            }
        }
    }

    /// Every member path of a JSON value, in the same notation.
    private static func members(of value: Any, path: String, into result: inout Set<String>) {
        if let object = value as? [String: Any] {
            for (key, member) in object {
                result.insert(path + "." + key)
                members(of: member, path: path + "." + key, into: &result)
            }
        } else if let array = value as? [Any] {
            for element in array { members(of: element, path: path + "[]", into: &result) }
        }
    }

    /// The first member of `given` that `kept` lacks or holds with another value, or nil.
    private static func firstLost(_ given: Any, in kept: Any, path: String) -> String? {
        switch (given, kept) {
        case let (given as [String: Any], kept as [String: Any]):
            for (key, value) in given {
                guard let other = kept[key] else { return path + "." + key }
                if let lost = firstLost(value, in: other, path: path + "." + key) { return lost }
            }
            return nil
        case let (given as [Any], kept as [Any]):
            guard given.count == kept.count else { return path }
            for (index, (element, other)) in zip(given, kept).enumerated() {
                if let lost = firstLost(element, in: other, path: "\(path)[\(index)]") { return lost }
            }
            return nil
        default:
            return (given as? NSObject) == (kept as? NSObject) ? nil : path
        }
    }
}
