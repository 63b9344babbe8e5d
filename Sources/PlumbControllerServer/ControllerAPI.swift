import Foundation
import Hummingbird
import Logging
import PlumbController
import PlumbModel

/// The handlers of every ``Route``: authorize, parse, call the ``ControllerStore``, answer JSON.
struct ControllerAPI: Sendable {
    let store: ControllerStore
    let authenticator: Authenticator
    let waiters: GenerationWaiters
    let documents: DesiredDocuments
    let metrics: ControllerMetrics
    let configuration: ControllerServerConfiguration

    /// Answers one request for `route` (errors are thrown as ``APIError`` for the envelope middleware).
    func respond(_ route: Route, _ request: Request, _ context: ControllerRequestContext) async throws -> Response {
        let pathName = try context.parameters.get("name").map { try Self.decodedSegment($0, field: "name") }
        let caller = try authenticator.authorize(route, identity: context.identity, pathName: pathName)
        // Every caller's input is checked alike, before anything reaches the database.
        let name = try pathParameter("name", context, rule: .identifier)
        try Self.checkQuery(request)
        switch route.endpoint {
        case .putFacility:
            let facility = try await body(Facility.self, request)
            return try .json(try await store.putFacility(facility, actor: caller.actor))
        case .getFacility:
            return try .json(try await store.facility())
        case .listMaterializations:
            return try .json(try await store.materializations())
        case .putMaterialization:
            let id = try materializationID(context)
            let spec = try await body(MaterializationSpec.self, request)
            let answer = try await store.materialize(id: id, spec: spec, actor: caller.actor)
            return try .json(answer.materialization, status: answer.created ? .created : .ok)
        case .getMaterialization:
            return try .json(try await store.materialization(id: try materializationID(context)))
        case .vmAttachments:
            return try await vmAttachments(request, context)
        case .deleteMaterialization:
            try await store.dematerialize(id: try materializationID(context), actor: caller.actor)
            return .empty(.noContent)
        case .listHosts:
            return try .json(try await store.hosts())
        case .hostDesired:
            let host = HostKey.hypervisor(try required(name))
            return try await desired(host, caller: caller, request)
        case .leafDesired:
            let host = HostKey.leaf(try required(name))
            return try await desired(host, caller: caller, request)
        case .putHostStatus:
            let report = try StatusReportValidation.validate(try await body(HostStatusReport.self, request))
            let host = try await reportingHost(try required(name), caller: caller, request)
            try await store.reportStatus(host, report: report)
            return .empty(.noContent)
        case .issueHostToken:
            let host = try await namedHost(try required(name), request)
            return try .json(try await store.issueToken(for: host))
        case .forceRelease:
            let host = try await namedHost(try required(name), request)
            try await store.forceRelease(host: host, actor: caller.actor)
            return .empty(.noContent)
        case .auditVNI:
            let vni = try Self.integer(context.parameters.get("vni"), field: "vni")
            let at = try request.uri.queryParameters["at"].map { try Self.time(String($0), field: "at") }
            return try .json(try await store.auditVNI(vni, at: at))
        case .health:
            return try await health(logger: context.logger)
        case .metrics:
            return try await metricsText()
        }
    }
}
