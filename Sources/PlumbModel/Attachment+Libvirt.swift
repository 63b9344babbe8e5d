/// VM NIC attachments as libvirt domain XML, for the `<devices>` element.
///
/// A tap: `<interface type='ethernet'>` on the existing tap (`managed='no'`: libvirt must neither create nor delete
/// it, nor put it in a bridge), with the MAC, a virtio model and the network's MTU. A VF or passed-through NIC:
/// `<hostdev mode='subsystem' type='pci' managed='no'>` (Plumb bound it to `vfio-pci` already; its MAC and VLAN
/// are set on the PF).
extension Attachment {
    /// This NIC's element, indented by two spaces per level from `indent`, each line ending in a newline.
    public func libvirtXML(indent: Int = 0) throws -> String {
        let pad = String(repeating: " ", count: indent)
        var lines: [String]
        switch kind {
        case .tap:
            lines = ["<interface type='ethernet'>"]
            if let mac { lines.append("  <mac address='\(mac)'/>") }
            lines.append("  <target dev='\(Self.xmlEscaped(try requiredTap()))' managed='no'/>")
            lines.append("  <model type='virtio'/>")
            if let mtu { lines.append("  <mtu size='\(mtu)'/>") }
            lines.append("</interface>")
        case .vf, .passthrough:
            let address = try requiredPCIAddress()
            lines = [
                "<hostdev mode='subsystem' type='pci' managed='no'>",
                "  <source>",
                "    <address domain='0x\(Self.hex(Int(address.domain), 4))' bus='0x\(Self.hex(Int(address.bus), 2))' "
                    + "slot='0x\(Self.hex(Int(address.device), 2))' function='0x\(address.function)'/>",
                "  </source>",
                "</hostdev>",
            ]
        }
        return lines.map { pad + $0 + "\n" }.joined()
    }

    /// Every NIC's element, in the order given.
    public static func libvirtXML(_ attachments: [Attachment], indent: Int = 0) throws -> String {
        try attachments.map { try $0.libvirtXML(indent: indent) }.joined()
    }

    static func hex(_ value: Int, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Text safe inside a single-quoted XML attribute.
    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&apos;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
