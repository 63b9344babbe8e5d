import PlumbModel

/// Tap naming: a virtio NIC's tap is `pl` and its MAC's 12 hex digits, so it is unique per host
/// (MACs are unique in the testbed), fits the kernel's interface-name limit (`Limits.interfaceNameLength`) and says whose it is.
enum TapNaming {
    static func name(for mac: MACAddress) -> String {
        let digits = String(mac.value, radix: 16)
        return "pl" + String(repeating: "0", count: 12 - digits.count) + digits
    }
}
