import Foundation
import Logging
@testable import PlumbControllerServer
import PlumbHTTPClient
import PlumbModel
import XCTest

/// `controller/openapi.json` describes exactly the API served: the same paths and methods as the
/// server's route table (both ways), who may call each, its parameters, and schemas that the
/// server's real answers (and the requests the client sends) conform to.
final class OpenAPITests: ServerTestCase {
    static let documentURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("controller/openapi.json")

    private static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    private func document() throws -> JSONValue {
        let data = try Data(contentsOf: Self.documentURL)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), "openapi.json is JSON")
        return try JSONValue.parse(data)
    }

    /// What `x-plumb-access` says for each kind of access.
    private static func accessText(_ access: Access) -> String {
        switch access {
        case .anyone: return "anyone"
        case .admin: return "admin"
        case .cogs: return "cogs"
        case .ownHostReads(.hypervisor): return "cogs or the host's own token"
        case .ownHostReads(.leaf): return "cogs or the leaf's own token"
        case .ownHostReports: return "admin or the host's own token"
        }
    }

    /// The server's routes are generated from the document; who may call each operation is keyed by its
    /// operation id in ``Access/byOperation``, which must name exactly the document's operations and agree
    /// with what each states as `x-plumb-access`, its security and its 401/403.
    func testTheAccessTableIsTheDocumentsOperationsAndAccess() throws {
        let document = try document()
        XCTAssertEqual(document["openapi"]?.stringValue?.hasPrefix("3.1"), true)
        let paths = try XCTUnwrap(document["paths"]?.objectValue)
        var documented: Set<String> = []
        for (path, item) in paths {
            for method in Self.methods {
                guard let operation = item[method] else { continue }
                let id = try XCTUnwrap(operation["operationId"]?.stringValue, "\(method) \(path)")
                XCTAssertTrue(documented.insert(id).inserted, "\(id) is unique")
                guard let access = Access.byOperation[id] else { continue }
                XCTAssertEqual(operation["x-plumb-access"]?.stringValue, Self.accessText(access), id)
                let security = operation["security"]?.arrayValue
                XCTAssertEqual(security?.isEmpty, access == .anyone, "\(id): public operations need no token, others a bearer token")
                let templateParameters = Set(path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
                let declared = Set((operation["parameters"]?.arrayValue ?? []).filter { $0["in"] == .string("path") }
                    .compactMap { $0["name"]?.stringValue })
                XCTAssertEqual(declared, templateParameters, "\(id): path parameters")
                if access != .anyone {
                    for status in ["401", "403"] {
                        XCTAssertNotNil(operation["responses"]?[status], "\(id) documents \(status)")
                    }
                }
            }
        }
        XCTAssertEqual(documented, Set(Access.byOperation.keys), "the access table names exactly the document's operations")
    }

    /// The generated server registers exactly the document's methods and paths (HEAD is added with every GET
    /// when it serves them), which is also what a 405's `Allow` is made of.
    func testTheServerRegistersExactlyTheDocumentsRoutes() throws {
        let paths = try XCTUnwrap(try document()["paths"]?.objectValue)
        let documented = Set(paths.flatMap { path, item in Self.methods.filter { item[$0] != nil }.map { "\($0.uppercased()) \(path)" } })
        let api = ControllerAPI(store: store, waiters: GenerationWaiters(), documents: DesiredDocuments(store: store),
                                metrics: ControllerMetrics(), configuration: ControllerServerConfiguration(adminToken: "a", cogsToken: "c"),
                                logger: Logger(label: "test.routes"))
        let recorder = RouteRecorder()
        try api.registerHandlers(on: recorder)
        XCTAssertEqual(Set(recorder.routes.map { "\($0.method) \($0.path)" }), documented)
        XCTAssertEqual(recorder.routes.count, documented.count, "no route is registered twice")
    }

    func testRealAnswersAndRequestsMatchTheDocumentedSchemas() async throws {
        let document = try document()
        let validator = SchemaValidator(document: document)
        var checked = 0

        /// Sends a request and checks the request body and the answer against the operation's schemas.
        /// `validBody: false` sends a body meant to be refused, which is not checked against the request schema.
        func exchange(_ method: String, _ template: String, _ path: String, token: String? = Self.adminToken, body: Data? = nil,
                      validBody: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws -> HTTPResponse {
            let operation = try XCTUnwrap(document["paths"]?[template]?[method.lowercased()], "\(method) \(template)", file: file, line: line)
            if validBody, let body, let schema = operation["requestBody"]?["content"]?["application/json"]?["schema"],
               let instance = try? JSONValue.parse(body) {
                XCTAssertEqual(validator.problems(instance, schema), [], "request of \(method) \(path)", file: file, line: line)
            }
            let response = try raw(method, path, token: token, body: body)
            guard var answer = operation["responses"]?[String(response.status)] else {
                XCTFail("\(method) \(path) answered \(response.status), which the document does not list", file: file, line: line)
                return response
            }
            if let reference = answer["$ref"]?.stringValue {
                answer = try XCTUnwrap(document["components"]?["responses"]?[String(reference.split(separator: "/").last!)])
            }
            if let schema = answer["content"]?["application/json"]?["schema"] {
                let instance = try JSONValue.parse(response.body)
                XCTAssertEqual(validator.problems(instance, schema), [], "answer \(response.status) of \(method) \(path)",
                               file: file, line: line)
            } else if answer["content"] == nil {
                XCTAssertTrue(response.body.isEmpty, "\(method) \(path) \(response.status) has no documented body", file: file, line: line)
            }
            checked += 1
            return response
        }

        let facility = try PlumbJSON.encode(TestFacility.facility())
        XCTAssertEqual(try exchange("PUT", "/v1/facility", "/v1/facility", body: facility).status, 200)
        XCTAssertEqual(try exchange("GET", "/v1/facility", "/v1/facility").status, 200)
        XCTAssertEqual(try exchange("PATCH", "/v1/facility", "/v1/facility",
                                    body: Data(#"{"hypervisors":[{"name":"hv1","underlay_mtu":9000}]}"#.utf8)).status, 200)
        XCTAssertEqual(try exchange("PATCH", "/v1/facility", "/v1/facility",
                                    body: Data(#"{"hypervisors":[{"name":"hv9","underlay_mtu":9000}]}"#.utf8)).status, 422)
        var spec = TestFacility.spec([.virtio, .vfio, .passthrough])
        spec.networks[0].guestVlans = false
        spec.vms[0].nics[0].mac = MACAddress("02:00:00:00:00:01")
        let specBody = try PlumbJSON.encode(spec)
        XCTAssertEqual(try exchange("PUT", "/v1/materializations/{id}", "/v1/materializations/doc", body: specBody).status, 201)
        XCTAssertEqual(try exchange("PUT", "/v1/materializations/{id}", "/v1/materializations/doc", body: specBody).status, 200)
        XCTAssertEqual(try exchange("PUT", "/v1/materializations/{id}", "/v1/materializations/doc",
                                    body: try PlumbJSON.encode(TestFacility.spec())).status, 409)
        let tooManyVFs = try PlumbJSON.encode(TestFacility.spec(Array(repeating: .vfio, count: 5)))
        XCTAssertTrue([409, 422].contains(try exchange("PUT", "/v1/materializations/{id}", "/v1/materializations/greedy", body: tooManyVFs).status))
        XCTAssertEqual(try exchange("PUT", "/v1/materializations/{id}", "/v1/materializations/bad", body: Data("{".utf8), validBody: false).status, 400)
        XCTAssertEqual(try exchange("GET", "/v1/materializations/{id}", "/v1/materializations/doc").status, 200)
        XCTAssertEqual(try exchange("GET", "/v1/materializations/{id}", "/v1/materializations/none").status, 404)
        XCTAssertEqual(try exchange("GET", "/v1/materializations", "/v1/materializations").status, 200)

        let tokenAnswer = try exchange("POST", "/v1/hosts/{name}/token", "/v1/hosts/hv0/token")
        let hostToken = try PlumbJSON.decode(HostToken.self, from: tokenAnswer.body).token
        XCTAssertEqual(try exchange("GET", "/v1/hosts/{name}/desired", "/v1/hosts/hv0/desired", token: hostToken).status, 200)
        XCTAssertEqual(try exchange("GET", "/v1/hosts/{name}/desired", "/v1/hosts/hv0/desired?after=999&wait=0", token: hostToken).status, 304)
        XCTAssertEqual(try exchange("GET", "/v1/hosts/{name}/desired", "/v1/hosts/hv1/desired", token: hostToken).status, 403)
        XCTAssertEqual(try exchange("GET", "/v1/hosts/{name}/desired", "/v1/hosts/hv0/desired?wait=x").status, 400)
        XCTAssertEqual(try exchange("GET", "/v1/leaves/{name}/desired", "/v1/leaves/leaf0/desired").status, 200)
        let report = HostStatusReport(appliedGeneration: 1, errors: [HostStatusReport.ItemError(item: "tap x", message: "failed")],
                                      inventory: HostStatusReport.Inventory(nics: [
                                          .init(name: "eth0", pciAddress: PCIAddress("0000:01:00.0"), vfLimit: 4,
                                                vfPciAddresses: [PCIAddress("0000:01:00.2")!], driver: "ixgbe")]),
                                      agentVersion: "test")
        XCTAssertEqual(try exchange("PUT", "/v1/hosts/{name}/status", "/v1/hosts/hv0/status", token: hostToken,
                                    body: try PlumbJSON.encode(report)).status, 204)
        // A report with an error for one of the materialization's items: it is failed, naming the item.
        let doc = try PlumbJSON.decode(Materialization.self, from: try raw("GET", "/v1/materializations/doc").body)
        let failing = HostStatusReport(appliedGeneration: try await store.generation(of: .hypervisor("hv0")),
                                       errors: [HostStatusReport.ItemError(item: "tap \(doc.vms[0].nics[0].tap!)", message: "failed")])
        XCTAssertEqual(try exchange("PUT", "/v1/hosts/{name}/status", "/v1/hosts/hv0/status", token: hostToken,
                                    body: try PlumbJSON.encode(failing)).status, 204)
        let failed = try exchange("GET", "/v1/materializations/{id}", "/v1/materializations/doc")
        XCTAssertEqual(try PlumbJSON.decode(Materialization.self, from: failed.body).status.state, .failed)
        // The attachments route: 409 until reported, 404 for an unknown materialization, then the reported list.
        let attachmentsPath = "/v1/materializations/{id}/vms/{vm}/attachments"
        XCTAssertEqual(try exchange("GET", attachmentsPath, "/v1/materializations/doc/vms/vm/attachments").status, 409)
        XCTAssertEqual(try exchange("GET", attachmentsPath, "/v1/materializations/none/vms/vm/attachments").status, 404)
        let attached = HostStatusReport(appliedGeneration: failing.appliedGeneration, attachments: doc.vms[0].nics.map { nic in
            nic.tap == nil
                ? Attachment(materialization: "doc", vm: "vm", nic: nic.name, kind: nic.mechanism == .vfio ? .vf : .passthrough,
                             mac: nic.mac, pciAddress: PCIAddress("0000:01:00.4"), iommuGroup: 7)
                : Attachment(materialization: "doc", vm: "vm", nic: nic.name, kind: .tap, mac: nic.mac, mtu: nic.mtu, tap: nic.tap,
                             tapIfindex: 5)
        })
        XCTAssertEqual(try exchange("PUT", "/v1/hosts/{name}/status", "/v1/hosts/hv0/status", token: hostToken,
                                    body: try PlumbJSON.encode(attached)).status, 204)
        XCTAssertEqual(try exchange("GET", attachmentsPath, "/v1/materializations/doc/vms/vm/attachments?format=json").status, 200)
        XCTAssertEqual(try exchange("GET", "/v1/hosts", "/v1/hosts", token: Self.cogsToken).status, 200)
        XCTAssertEqual(try exchange("GET", "/v1/hosts", "/v1/hosts", token: nil).status, 401)
        XCTAssertEqual(try exchange("POST", "/v1/hosts/{name}/force-release", "/v1/hosts/hv1/force-release", token: Self.cogsToken).status, 403)
        XCTAssertEqual(try exchange("POST", "/v1/hosts/{name}/force-release", "/v1/hosts/hv1/force-release").status, 204)
        XCTAssertEqual(try exchange("POST", "/v1/hosts/{name}/force-release", "/v1/hosts/ghost/force-release").status, 404)
        XCTAssertEqual(try exchange("DELETE", "/v1/materializations/{id}", "/v1/materializations/doc").status, 204)
        XCTAssertEqual(try exchange("GET", "/v1/audit/vni/{vni}", "/v1/audit/vni/5000").status, 200)
        XCTAssertEqual(try exchange("GET", "/v1/audit/vni/{vni}", "/v1/audit/vni/5000?at=2026-01-01T00:00:00Z").status, 200)
        XCTAssertEqual(try exchange("GET", "/healthz", "/healthz", token: nil).status, 200)
        XCTAssertEqual(try exchange("GET", "/metrics", "/metrics", token: nil).status, 200)
        // Refusals at the edge and by rules are documented where they happen.
        var unknownNetwork = TestFacility.spec()
        unknownNetwork.vms[0].nics[0].network = "elsewhere"
        XCTAssertEqual(try exchange("PUT", "/v1/materializations/{id}", "/v1/materializations/odd",
                                    body: try PlumbJSON.encode(unknownNetwork)).status, 422)
        XCTAssertEqual(try exchange("PUT", "/v1/materializations/{id}", "/v1/materializations/odd",
                                    body: Data(#"{"networks": [], "vms": [], "passthru": true}"#.utf8), validBody: false).status, 400)
        XCTAssertEqual(try exchange("GET", "/v1/materializations/{id}", "/v1/materializations/doc%00x").status, 400)
        XCTAssertEqual(try exchange("PUT", "/v1/hosts/{name}/status", "/v1/hosts/hv0/status", token: hostToken,
                                    body: try PlumbJSON.encode(HostStatusReport(appliedGeneration: 999))).status, 422)
        var duplicateLeaf = TestFacility.facility()
        duplicateLeaf.leaves.append(duplicateLeaf.leaves[0])
        XCTAssertEqual(try exchange("PUT", "/v1/facility", "/v1/facility", body: try PlumbJSON.encode(duplicateLeaf)).status, 422)
        let huge = Data(("\"" + String(repeating: "x", count: 5 * 1024 * 1024) + "\"").utf8)
        XCTAssertEqual(try exchange("PUT", "/v1/facility", "/v1/facility", body: huge, validBody: false).status, 413)
        XCTAssertGreaterThan(checked, 25)
    }
}
