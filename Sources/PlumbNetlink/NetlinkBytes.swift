/// Little helpers for netlink's host-order integers and 4-byte alignment.
enum NetlinkBytes {
    static func native<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    /// Bytes needed after `length` bytes to reach the next 4-byte boundary (`NLA_ALIGN`, `NLMSG_ALIGN`).
    static func padding(_ length: Int) -> Int { (4 - length % 4) % 4 }

    static func readU16<C: Collection>(_ bytes: C, at offset: Int) -> UInt16 where C.Element == UInt8, C.Index == Int {
        read(bytes, at: offset)
    }

    static func readU32<C: Collection>(_ bytes: C, at offset: Int) -> UInt32 where C.Element == UInt8, C.Index == Int {
        read(bytes, at: offset)
    }

    /// Reads a host-order integer from `bytes[offset...]`.
    static func read<T: FixedWidthInteger, C: Collection>(_ bytes: C, at offset: Int) -> T where C.Element == UInt8, C.Index == Int {
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for i in 0..<MemoryLayout<T>.size { raw[i] = bytes[offset + i] }
        }
        return value
    }
}
