import Foundation
import Logging
import NIOCore
import OpenAPIRuntime
import PlumbAPI
import PlumbController
import PlumbModel

/// The controller's API as the generated `APIProtocol` of `controller/openapi.json`: each operation takes
/// its generated input (already authorized by ``OperationAuthorization`` and checked by ``StrictInput``),
/// calls the ``ControllerStore`` with domain values and answers with generated output. Refusals are thrown
/// as ``APIError`` for the envelope middleware.
struct ControllerAPI: APIProtocol {
    let store: ControllerStore
    let waiters: GenerationWaiters
    let documents: DesiredDocuments
    let metrics: ControllerMetrics
    let configuration: ControllerServerConfiguration
    let logger: Logger

    /// How the generated server codes values: JSON with sorted keys, compact (as ``PlumbJSON``); RFC 3339 times.
    static let runtimeConfiguration = Configuration(dateTranscoder: RFC3339Time(), jsonEncodingOptions: [.sortedKeys])

    func putFacility(_ input: Operations.PutFacility.Input) async throws -> Operations.PutFacility.Output {
        guard case .json(let body) = input.body else { throw APIError.malformedJSON }
        let facility = try Wire.facility(body) ?? Wire.domain(Facility.self, from: body)
        let declared = try await store.putFacility(facility, actor: Caller.current.actor)
        // The answer is the facility's JSON as stored, encoded once: a facility of thousands of hypervisors is
        // megabytes, and encoding it again through the generated type took a third of the change's time.
        // `WireTests` holds these bytes equal to what the generated type writes.
        PreEncodedBody.answer(ByteBuffer(bytes: declared.json))
        return .undocumented(statusCode: 200, .init())
    }

    func patchFacility(_ input: Operations.PatchFacility.Input) async throws -> Operations.PatchFacility.Output {
        guard case .json(let body) = input.body else { throw APIError.malformedJSON }
        let patch = try Wire.facilityPatch(body) ?? Wire.domain(FacilityPatch.self, from: body)
        let declared = try await store.patchFacility(patch, actor: Caller.current.actor)
        // As PUT's: the facility as stored, encoded once.
        PreEncodedBody.answer(ByteBuffer(bytes: declared.json))
        return .undocumented(statusCode: 200, .init())
    }

    func getFacility(_ input: Operations.GetFacility.Input) async throws -> Operations.GetFacility.Output {
        .ok(.init(body: .json(try Wire.wire(Components.Schemas.Facility.self, from: try await store.facility()))))
    }

    func listMaterializations(_ input: Operations.ListMaterializations.Input) async throws -> Operations.ListMaterializations.Output {
        .ok(.init(body: .json(try Wire.wire(Components.Schemas.MaterializationList.self, from: try await store.materializations()))))
    }

    func putMaterialization(_ input: Operations.PutMaterialization.Input) async throws -> Operations.PutMaterialization.Output {
        guard case .json(let body) = input.body else { throw APIError.malformedJSON }
        let answer = try await store.materialize(id: input.path.id, spec: try Wire.domain(MaterializationSpec.self, from: body),
                                                 actor: Caller.current.actor)
        let materialization = try Wire.wire(Components.Schemas.Materialization.self, from: answer.materialization)
        return answer.created ? .created(.init(body: .json(materialization))) : .ok(.init(body: .json(materialization)))
    }

    func getMaterialization(_ input: Operations.GetMaterialization.Input) async throws -> Operations.GetMaterialization.Output {
        let materialization = try await store.materialization(id: input.path.id)
        return .ok(.init(body: .json(try Wire.wire(Components.Schemas.Materialization.self, from: materialization))))
    }

    func deleteMaterialization(_ input: Operations.DeleteMaterialization.Input) async throws -> Operations.DeleteMaterialization.Output {
        try await store.dematerialize(id: input.path.id, actor: Caller.current.actor)
        return .noContent(.init())
    }

    func listHosts(_ input: Operations.ListHosts.Input) async throws -> Operations.ListHosts.Output {
        .ok(.init(body: .json(try Wire.wire(Components.Schemas.HostList.self, from: try await store.hosts()))))
    }

    func putHostStatus(_ input: Operations.PutHostStatus.Input) async throws -> Operations.PutHostStatus.Output {
        guard case .json(let body) = input.body else { throw APIError.malformedJSON }
        let report = try StatusReportValidation.validate(try Wire.domain(HostStatusReport.self, from: body))
        let host = try await reportingHost(input.path.name, kind: input.query.kind)
        try await store.reportStatus(host, report: report)
        return .noContent(.init())
    }

    func issueHostToken(_ input: Operations.IssueHostToken.Input) async throws -> Operations.IssueHostToken.Output {
        let host = try await namedHost(input.path.name, kind: input.query.kind)
        return .ok(.init(body: .json(try Wire.wire(Components.Schemas.HostToken.self, from: try await store.issueToken(for: host)))))
    }

    func forceRelease(_ input: Operations.ForceRelease.Input) async throws -> Operations.ForceRelease.Output {
        let host = try await namedHost(input.path.name, kind: input.query.kind)
        try await store.forceRelease(host: host, actor: Caller.current.actor)
        return .noContent(.init())
    }

    func auditVNI(_ input: Operations.AuditVNI.Input) async throws -> Operations.AuditVNI.Output {
        let audit = try await store.auditVNI(input.path.vni, at: input.query.at)
        return .ok(.init(body: .json(try Wire.wire(Components.Schemas.VNIAudit.self, from: audit))))
    }
}
