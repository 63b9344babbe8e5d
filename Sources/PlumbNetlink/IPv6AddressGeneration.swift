import CNetlink
import Glibc

/// How the kernel makes a device's IPv6 addresses (`IFLA_INET6_ADDR_GEN_MODE`, `ip link set DEV addrgenmode M`).
/// Plumb's devices use `off`: no link-local address, so a guest reaches nothing of the hypervisor over IPv6.
public enum IPv6AddressGeneration: UInt8, Sendable {
    case eui64 = 0
    /// `IN6_ADDR_GEN_MODE_NONE` (`addrgenmode none`), named so that it cannot be mistaken for `Optional.none`.
    case off = 1
    case stablePrivacy = 2
    case random = 3

    /// `IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE } }`, nested as iproute2 nests it (no `NLA_F_NESTED`).
    var attribute: NetlinkAttribute {
        .nested(IFLA_AF_SPEC, [.nested(AF_INET6, [.u8(IFLA_INET6_ADDR_GEN_MODE, rawValue)])])
    }
}
