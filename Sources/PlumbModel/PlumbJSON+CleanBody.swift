import Foundation

extension PlumbJSON {
    /// True when a JSON text certainly holds no `null` and no string or member name with a control character,
    /// judged from its bytes alone (pure; one pass, no parsing): nothing that could decode to one is there — no
    /// backslash (an escape such as `\u0000` or `\n`), no byte 0x7F, no 0xC2 (the first byte of U+0080–U+009F),
    /// no raw control byte but JSON's whitespace, and no `null`. False means "look closer", not "refused": a
    /// body with an escaped quote or the text `null` in a string is checked the slow way.
    public static func isCertainlyClean(_ data: Data) -> Bool {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                switch byte {
                case 0x09, 0x0A, 0x0D:
                    break
                case 0x00..<0x20, 0x5C, 0x7F, 0xC2:
                    return false
                case UInt8(ascii: "n"):
                    if index + 3 < count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "l"),
                       bytes[index + 3] == UInt8(ascii: "l") {
                        return false
                    }
                default:
                    break
                }
                index += 1
            }
            return true
        }
    }
}
