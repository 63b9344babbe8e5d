import CNetlink
import Glibc
import PlumbModel

extension KernelFDBEntry {
    /// Reads an entry from one `RTM_NEWNEIGH` message of an `AF_BRIDGE` dump; nil for entries without a MAC.
    public init?(_ message: NetlinkMessage) throws {
        let header = try NeighbourHeader(message.familyHeader)
        let attributes = message.attributes
        guard let lladdr = attributes.first(NDA_LLADDR)?.payload, lladdr.count == 6 else { return nil }
        self.init(index: header.index, mac: MACAddress(octets: lladdr),
                  isPermanent: header.state & UInt16(NUD_PERMANENT) != 0,
                  isSelf: header.flags & UInt8(NTF_SELF) != 0)
        if let dst = attributes.first(NDA_DST)?.payload, dst.count == 4 { self.dst = IPv4Address(octets: dst) }
        vni = attributes.first(NDA_VNI)?.u32
        master = attributes.first(NDA_MASTER)?.u32.map { Int32(bitPattern: $0) }
        vlan = attributes.first(NDA_VLAN)?.u16
        sourceVNI = attributes.first(NDA_SRC_VNI)?.u32
        isStatic = header.state & UInt16(NUD_NOARP) != 0 && header.state & UInt16(NUD_PERMANENT) == 0
    }
}
