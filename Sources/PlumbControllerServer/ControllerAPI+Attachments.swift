import OpenAPIRuntime
import PlumbAPI
import PlumbController
import PlumbModel

extension ControllerAPI {
    /// One VM's attachments in the hypervisor manager's terms (`?format=json|qemu|libvirt`): 404 for an unknown
    /// materialization or VM; 409 (`not_reported`, naming the NICs) until its hypervisor has reported every NIC's
    /// attachment for the generation the materialization needs — the answer is then final for this
    /// materialization, so a client retries on 409 as it waits for readiness; 409 (`not_renderable`) if what was
    /// reported lacks what the format needs.
    func vmAttachments(_ input: Operations.VmAttachments.Input) async throws -> Operations.VmAttachments.Output {
        let (id, name) = (input.path.id, input.path.vm)
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
            switch input.query.format ?? .json {
            case .json:
                return .ok(.init(body: .json(try Wire.wire([Components.Schemas.Attachment].self, from: found.attachments))))
            case .qemu:
                return .ok(.init(body: .plainText(HTTPBody(try Attachment.qemuShellText(found.attachments)))))
            case .libvirt:
                return .ok(.init(body: .xml(HTTPBody(try Attachment.libvirtXML(found.attachments)))))
            }
        } catch let error as AttachmentRenderingError {
            throw APIError(status: 409, code: "not_renderable", message: "cannot render \(id)/\(name): \(error)", field: "vm")
        }
    }
}
