import Hummingbird
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// What `GET /v1/materializations/{id}/vms/{vm}/attachments` renders (`?format=`).
    enum AttachmentFormat: String, CaseIterable {
        /// The attachments as reported, a JSON list (the default; what `plumbctl attachments --json` prints).
        case json
        /// QEMU's `-netdev`/`-device` arguments as shell words (``Attachment/qemuShellText(_:)``).
        case qemu
        /// libvirt `<interface>`/`<hostdev>` elements for the domain's `<devices>` (``Attachment/libvirtXML(_:indent:)``).
        case libvirt
    }

    /// One VM's attachments in the hypervisor manager's terms: 404 for an unknown materialization or VM; 409
    /// (`not_reported`, naming the NICs) until its hypervisor has reported every NIC's attachment for the
    /// generation the materialization needs — the answer is then final for this materialization, so a client
    /// retries on 409 as it waits for readiness; 409 (`not_renderable`) if what was reported lacks what the
    /// format needs.
    func vmAttachments(_ request: Request, _ context: some RequestContext) async throws -> Response {
        let id = try materializationID(context)
        let name = try required(try pathParameter("vm", context, rule: .identifier), field: "vm")
        let formatText = request.uri.queryParameters["format"].map(String.init) ?? AttachmentFormat.json.rawValue
        guard let format = AttachmentFormat(rawValue: formatText) else {
            let formats = AttachmentFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.invalid("format", "unknown format '\(formatText)' (one of \(formats))")
        }
        let materialization = try await store.materialization(id: id)
        guard let found = materialization.attachments(ofVM: name) else {
            throw APIError.notFound("materialization \(id) has no VM \(name)", field: "vm")
        }
        guard found.unreported.isEmpty else {
            throw APIError(status: 409, code: "not_reported", message: """
                hypervisor \(found.vm.hypervisor) has not reported the attachment of \(name)'s NIC\(found.unreported.count == 1 ? "" : "s") \
                \(found.unreported.joined(separator: ", ")) yet (materialization \(id) is \(materialization.status.state.rawValue)); \
                try again once it is ready
                """, field: "vm")
        }
        do {
            switch format {
            case .json:
                return try .json(found.attachments)
            case .qemu:
                return .text(try Attachment.qemuShellText(found.attachments), contentType: "text/plain; charset=utf-8")
            case .libvirt:
                return .text(try Attachment.libvirtXML(found.attachments), contentType: "application/xml; charset=utf-8")
            }
        } catch let error as AttachmentRenderingError {
            throw APIError(status: 409, code: "not_renderable", message: "cannot render \(id)/\(name): \(error)", field: "vm")
        }
    }
}
