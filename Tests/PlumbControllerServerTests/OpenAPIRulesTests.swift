import Foundation
import PlumbController
import PlumbControllerServer
import PlumbModel
import XCTest

/// The rules `controller/openapi.json` states are the server's rules: name patterns and lengths
/// are NameRule's, and the VTEP, MAC and PCI patterns accept exactly what the server accepts; every
/// request schema refuses unknown members; every route documents each status the edge can answer.
final class OpenAPIRulesTests: XCTestCase {
    private func document() throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: OpenAPITests.documentURL))
    }

    private func schema(_ name: String) throws -> [String: JSONValue] {
        try XCTUnwrap(try document()["components"]?["schemas"]?[name]?.objectValue, name)
    }

    private func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }

    func testNamePatternsAndLengthsAreNameRules() throws {
        let schemas: [(String, NameRule)] = [("Name", .identifier), ("MaterializationID", .materializationID),
                                             ("InterfaceName", .interface), ("LeafPort", .port)]
        XCTAssertEqual(Set(schemas.map { "\($0.1)" }), Set(NameRule.allCases.map { "\($0)" }), "every NameRule has a schema")
        let samples = ["a", "A.b_c-d", "0", "-lead", ".x", "_x", "a b", "a/b", "a:b", "swp1/2", "ünï", "a\u{0}b", "",
                       String(repeating: "x", count: 15), String(repeating: "x", count: 16), String(repeating: "x", count: 63),
                       String(repeating: "x", count: 64), String(repeating: "x", count: 128), String(repeating: "x", count: 129)]
        for (name, rule) in schemas {
            let schema = try schema(name)
            XCTAssertEqual(schema["pattern"]?.stringValue, rule.pattern, name)
            XCTAssertEqual(schema["maxLength"]?.numberValue, Double(rule.maximumLength), name)
            for sample in samples {
                let accepted = (try? rule.check(sample, field: "f")) != nil
                XCTAssertEqual(matches(sample, rule.pattern), accepted, "\(name): \(sample.debugDescription)")
            }
        }
    }

    func testVTEPPatternAcceptsExactlyWhatTheFacilityAccepts() throws {
        let pattern = try XCTUnwrap(try schema("VTEPAddress")["pattern"]?.stringValue)
        let samples = ["0.0.0.0", "0.1.2.3", "1.0.0.0", "9.9.9.9", "10.0.0.1", "99.1.1.1", "100.64.0.1", "119.0.0.1", "126.255.255.255",
                       "127.0.0.1", "128.0.0.1", "129.1.1.1", "198.19.0.1", "199.0.0.1", "200.1.1.1", "219.0.0.1", "223.255.255.255",
                       "224.0.0.1", "239.1.1.1", "255.255.255.255", "01.2.3.4", "1.2.3.04", "1.2.3", "1.2.3.256", "a.b.c.d", "1.2.3.4 "]
        for sample in samples {
            var accepted = false
            if let address = IPv4Address(sample) {
                let facility = Facility(vniRanges: [], leaves: [Facility.Leaf(name: "l", vtepIp: address,
                                                                               vlanRange: Facility.NumberRange(first: 2, last: 3))],
                                        hypervisors: [])
                accepted = (try? FacilityValidation.validate(facility)) != nil
            }
            XCTAssertEqual(matches(sample, pattern), accepted, sample)
        }
    }

    func testMACAndPCIPatternsAcceptExactlyWhatTheServerAccepts() throws {
        let macPattern = try XCTUnwrap(try schema("UnicastMAC")["pattern"]?.stringValue)
        for sample in ["02:00:00:00:00:01", "00:1b:21:00:00:01", "0A:BB:cc:dd:ee:ff", "01:00:5e:00:00:01", "03:00:00:00:00:00",
                       "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "00:00:00:00:00:01", "00:00:00:00:10:00", "00:00:0A:00:00:00",
                       "02:00:00:00:00", "02-00-00-00-00-01", "2:0:0:0:0:1", "0g:00:00:00:00:01"] {
            var accepted = false
            if let address = MACAddress(sample) {
                let spec = MaterializationSpec(networks: [.init(name: "n")],
                                               vms: [.init(name: "v", hypervisor: "h", nics: [.init(network: "n", mac: address)])])
                accepted = (try? SpecValidation.validate(id: "m", spec: spec)) != nil
            }
            XCTAssertEqual(matches(sample, macPattern), accepted, sample)
        }
        let pciPattern = try XCTUnwrap(try schema("PCIAddress")["pattern"]?.stringValue)
        for sample in ["0000:3b:00.1", "ABCD:EF:1f.7", "0000:00:20.0", "0000:00:1f.8", "000:00:00.0", "0000:00:00", "0000:0:00.0"] {
            XCTAssertEqual(matches(sample, pciPattern), PCIAddress(sample) != nil, sample)
        }
    }

    /// Every object a request body may hold is closed (`additionalProperties: false`, as the server
    /// enforces) and every string in it has a pattern or an enum (no control characters get through).
    func testRequestSchemasAreClosed() throws {
        let document = try document()
        var seen = Set<String>()
        func visit(_ node: JSONValue, _ path: String) {
            if let reference = node["$ref"]?.stringValue {
                let name = String(reference.split(separator: "/").last!)
                guard seen.insert(name).inserted, let target = document["components"]?["schemas"]?[name] else { return }
                visit(target, name)
                return
            }
            switch node["type"]?.stringValue {
            case "object":
                XCTAssertEqual(node["additionalProperties"], .bool(false), "\(path) is closed")
                for (key, property) in node["properties"]?.objectValue ?? [:] { visit(property, "\(path).\(key)") }
            case "array":
                if let items = node["items"] { visit(items, "\(path)[]") }
            case "string":
                XCTAssertTrue(node["pattern"] != nil || node["enum"] != nil || node["format"] != nil, "\(path) states which strings it takes")
            default:
                break
            }
        }
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                if let schema = operation["requestBody"]?["content"]?["application/json"]?["schema"] {
                    visit(schema, "\(method) \(path)")
                    XCTAssertNotNil(operation["requestBody"]?["content"]?["application/json"]?["examples"], "\(method) \(path) has examples")
                }
                for parameter in operation["parameters"]?.arrayValue ?? [] where parameter["schema"] != nil {
                    visit(parameter["schema"]!, "\(method) \(path) \(parameter["name"]?.stringValue ?? "?")")
                }
            }
        }
        XCTAssertTrue(seen.contains("SpecNIC") && seen.contains("FacilityNIC") && seen.contains("ItemError"))
    }

    /// What the edge answers for every route whatever its handler does: 400 (path and query
    /// parameters), 500, 503 (the database), 401/403 with a token, 413 with a body.
    func testEveryRouteDocumentsTheStatusesOfTheEdge() throws {
        let document = try document()
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                let id = try XCTUnwrap(operation["operationId"]?.stringValue, "\(method) \(path)")
                let documented = Set((operation["responses"]?.objectValue ?? [:]).keys)
                var expected: Set<String> = ["400", "500", "503"]
                if Access.byOperation[id] != .anyone { expected.formUnion(["401", "403"]) }
                if operation["requestBody"] != nil { expected.formUnion(["400", "413"]) }
                XCTAssertEqual(expected.subtracting(documented), [], "\(method) \(path) documents every status of the edge")
            }
        }
    }
}
