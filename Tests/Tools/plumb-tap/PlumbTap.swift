import ArgumentParser

/// `plumb-tap`: a stand-in for a VM's virtio NIC. It attaches to an existing tap by name through `/dev/net/tun`
/// (as QEMU does) and writes or reads Ethernet frames, so tests and the demo can watch frames cross the overlay.
struct PlumbTap: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plumb-tap",
        abstract: "Send or receive Ethernet frames on an existing tap, as a VM would.",
        discussion: """
            Run it in the tap's network namespace (ip netns exec NS plumb-tap ...), as root. A tap serves one \
            reader at a time: while a VM or another plumb-tap holds it, attaching fails. Frames plumb-tap sends \
            carry ethertype 0x88b5 and a marker, so a receiver reports them and ignores the kernel's own \
            traffic (IPv6 neighbour discovery, MLD) unless --all is given.
            Exit codes: 0 done; 1 receive --count not reached before --timeout; 2 the tap cannot be used; 64 bad usage.
            """,
        subcommands: [SendCommand.self, ReceiveCommand.self]
    )
}
