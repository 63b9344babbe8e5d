import PlumbNetlink
import XCTest

/// Encoding and parsing of netlink attributes and messages, checked against hand-written wire bytes.
final class NetlinkAttributeTests: XCTestCase {
    func testStringAttributeIsNulTerminatedAndPaddedToFourBytes() {
        // nla_len 7 (4 + "d0" + NUL), type 3 (IFLA_IFNAME), then one byte of padding.
        XCTAssertEqual(NetlinkAttribute.string(3, "d0").encoded, [0x07, 0x00, 0x03, 0x00, 0x64, 0x30, 0x00, 0x00])
    }

    func testIntegerAttributesUseHostOrderAndPortsNetworkOrder() {
        XCTAssertEqual(NetlinkAttribute.u32(1, 7001).encoded, [0x08, 0x00, 0x01, 0x00, 0x59, 0x1B, 0x00, 0x00])
        XCTAssertEqual(NetlinkAttribute.bigEndianU16(15, 4789).encoded, [0x06, 0x00, 0x0F, 0x00, 0x12, 0xB5, 0x00, 0x00])
        XCTAssertEqual(NetlinkAttribute.bigEndianU16(15, 4789).bigEndianU16, 4789)
        XCTAssertEqual(NetlinkAttribute.u8(7, 1).encoded, [0x05, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00])
    }

    func testNestedAttributeMarksNestedFlagOnlyWhenAsked() throws {
        let plain = NetlinkAttribute.nested(18, [.string(1, "vxlan")])
        let marked = NetlinkAttribute.nested(1, markNested: true, [.u8(26, 1)])
        XCTAssertEqual(plain.rawType, 18)
        XCTAssertEqual(marked.rawType, 0x8001)
        XCTAssertEqual(marked.type, 1)
        XCTAssertTrue(marked.isMarkedNested)
        XCTAssertEqual(try plain.nestedAttributes(), [.string(1, "vxlan")])
    }

    func testParseRoundTripsARunOfAttributesWithPadding() throws {
        let attributes: [NetlinkAttribute] = [
            .string(3, "plvx7001"), .u32(4, 1450), .nested(18, [.string(1, "vxlan"), .nested(2, [.u8(7, 0)])]),
        ]
        XCTAssertEqual(try NetlinkAttribute.parse(NetlinkAttribute.encode(attributes)), attributes)
    }

    func testParseRejectsAnAttributeLongerThanTheBuffer() {
        XCTAssertThrowsError(try NetlinkAttribute.parse([0x10, 0x00, 0x01, 0x00, 0xAA, 0xBB])) { error in
            XCTAssertTrue("\(error)".contains("claims 16 bytes"))
        }
        XCTAssertThrowsError(try NetlinkAttribute.parse([0x02, 0x00, 0x01, 0x00]))
    }

    func testMessageEncodesHeaderFamilyHeaderAndAttributes() throws {
        let message = NetlinkMessage(type: 16, flags: 5, sequence: 0x0102_0304, portID: 9,
                                     familyHeader: InterfaceInfoHeader(index: 3).encoded, attributes: [.u32(4, 1500)])
        let bytes = message.encoded
        XCTAssertEqual(bytes.count, 16 + 16 + 8)
        XCTAssertEqual(Array(bytes[0..<16]), [40, 0, 0, 0, 16, 0, 5, 0, 4, 3, 2, 1, 9, 0, 0, 0])
        let raw = try XCTUnwrap(RawNetlinkMessage.split(bytes).first)
        XCTAssertEqual(raw.sequence, 0x0102_0304)
        XCTAssertEqual(try NetlinkMessage(raw, familyHeaderSize: InterfaceInfoHeader.size), message)
    }

    func testSplitSeparatesSeveralMessagesInOneDatagram() throws {
        let first = NetlinkMessage(type: 16, flags: 2, familyHeader: InterfaceInfoHeader(index: 1).encoded, attributes: [.string(3, "lo")])
        let done = NetlinkMessage(type: 3, flags: 2, familyHeader: [0, 0, 0, 0])
        let raws = try RawNetlinkMessage.split(first.encoded + done.encoded)
        XCTAssertEqual(raws.map(\.type), [16, 3])
        XCTAssertThrowsError(try RawNetlinkMessage.split(Array(first.encoded.dropLast(4))))
    }

    func testNeighbourHeaderLayout() throws {
        let header = NeighbourHeader(family: 7, index: 5, state: 0x80, flags: 0x02)
        XCTAssertEqual(header.encoded, [7, 0, 0, 0, 5, 0, 0, 0, 0x80, 0, 0x02, 0])
        XCTAssertEqual(try NeighbourHeader(header.encoded), header)
    }
}
