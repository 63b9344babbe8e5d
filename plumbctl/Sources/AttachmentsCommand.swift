import ArgumentParser
import PlumbModel

/// `plumbctl attachments ID VM [--qemu | --libvirt]`: what a hypervisor manager needs to start one VM, in its own terms.
struct AttachmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attachments",
        abstract: "Show how a VM's NICs are attached on its hypervisor, as QEMU arguments or libvirt XML.",
        discussion: """
            Renders each NIC's attachment as its hypervisor's agent reported it (tap, MAC and MTU; VF or \
            passed-through NIC by PCI address): --qemu (the default) prints the -netdev/-device arguments, \
            --libvirt the <interface>/<hostdev> elements for the domain's <devices>, --json the attachments. \
            Exits 75 when the host has not reported a NIC's attachment yet (try again once the materialization \
            is ready and the host has reported). --from FILE renders attachments from a JSON list instead of asking \
            the controller (an agent's status report's `attachments`, or what --json printed; `-`: standard input).
            """
    )

    enum Format: String, EnumerableFlag {
        case qemu, libvirt
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A materialization's id.")
    var id: String

    @Argument(help: "The name of one of its VMs.")
    var vm: String

    @Flag(help: "Output format (with --json: the attachments as JSON).")
    var format: Format = .qemu

    @Option(help: ArgumentHelp("Render the VM's attachments from this JSON list instead of the controller's answer.",
                               valueName: "file"))
    var from: String?

    func run() throws {
        try reportingFailures(controller: global.controller) {
            let attachments: [Attachment]
            if let from {
                attachments = try InputFile.decode([Attachment].self, path: from, kind: "attachments")
                    .filter { $0.materialization == id && $0.vm == vm }
                guard !attachments.isEmpty else {
                    throw CommandFailure(code: .refused, message: "\(from) has no attachment of VM \(vm) of materialization \(id)")
                }
            } else {
                attachments = try Self.attachments(of: vm, in: try global.client().materialization(id: id))
            }
            if global.json { return try global.printJSON(attachments) }
            do {
                switch format {
                case .qemu: print(try Attachment.qemuShellText(attachments), terminator: "")
                case .libvirt: print(try Attachment.libvirtXML(attachments), terminator: "")
                }
            } catch let error as AttachmentRenderingError {
                throw CommandFailure(code: .refused, message: "cannot render \(id)/\(vm): \(error)")
            }
        }
    }

    /// Every NIC's attachment of VM `name`, in the VM's NIC order; a failure naming the NICs whose attachment the
    /// host has not reported.
    static func attachments(of name: String, in materialization: Materialization) throws -> [Attachment] {
        guard let found = materialization.attachments(ofVM: name) else {
            let names = materialization.vms.map(\.name).joined(separator: ", ")
            throw CommandFailure(code: .refused, message: "materialization \(materialization.id) has no VM '\(name)' (its VMs: \(names))")
        }
        let missing = found.unreported
        guard missing.isEmpty else {
            throw CommandFailure(code: .timedOut, message: """
                hypervisor \(found.vm.hypervisor) has not reported the attachment of \(name)'s NIC\(missing.count == 1 ? "" : "s") \
                \(missing.joined(separator: ", ")) yet (materialization \(materialization.id) is \
                \(materialization.status.state.rawValue)); nothing rendered
                """)
        }
        return found.attachments
    }
}
