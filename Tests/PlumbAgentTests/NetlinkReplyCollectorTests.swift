import CNetlink
import Glibc
@testable import PlumbNetlink
import XCTest

/// How answers are collected: ack and error handling, dump completion, interrupted dumps, stray messages.
final class NetlinkReplyCollectorTests: XCTestCase {
    private func request(flags: Int32, sequence: UInt32 = 42) -> NetlinkMessage {
        NetlinkMessage(type: UInt16(RTM_GETLINK), flags: UInt16(flags), sequence: sequence, familyHeader: InterfaceInfoHeader().encoded)
    }

    private func reply(_ type: Int32, flags: Int32 = 0, sequence: UInt32 = 42, body: [UInt8] = []) -> RawNetlinkMessage {
        RawNetlinkMessage(type: UInt16(type), flags: UInt16(flags), sequence: sequence, portID: 0, body: body)
    }

    private func errorBody(_ errno: Int32) -> [UInt8] {
        withUnsafeBytes(of: -errno) { Array($0) } + [UInt8](repeating: 0, count: 16)
    }

    func testDumpCompletesAtDoneAndKeepsOnlyItsOwnMessages() throws {
        var collector = NetlinkReplyCollector(request: request(flags: NLM_F_REQUEST | NLM_F_DUMP), operation: "dump links", device: nil)
        try collector.consume(reply(Int32(RTM_NEWLINK), flags: NLM_F_MULTI, body: [1]))
        try collector.consume(reply(Int32(RTM_NEWLINK), flags: NLM_F_MULTI, sequence: 41, body: [9]))
        try collector.consume(reply(Int32(RTM_NEWLINK), flags: NLM_F_MULTI, body: [2]))
        XCTAssertFalse(collector.isComplete)
        try collector.consume(reply(NLMSG_DONE, flags: NLM_F_MULTI, body: [0, 0, 0, 0]))
        XCTAssertTrue(collector.isComplete)
        XCTAssertEqual(collector.messages.map(\.body), [[1], [2]])
        XCTAssertFalse(collector.interrupted)
    }

    func testInterruptedFlagOnAnyMessageMarksTheDump() throws {
        var collector = NetlinkReplyCollector(request: request(flags: NLM_F_REQUEST | NLM_F_DUMP), operation: "dump links", device: nil)
        try collector.consume(reply(Int32(RTM_NEWLINK), flags: NLM_F_MULTI))
        try collector.consume(reply(Int32(RTM_NEWLINK), flags: NLM_F_MULTI | NLM_F_DUMP_INTR))
        try collector.consume(reply(NLMSG_DONE, flags: NLM_F_MULTI, body: [0, 0, 0, 0]))
        XCTAssertTrue(collector.interrupted)
    }

    func testAnInterruptedFlagOnAnotherRequestsMessageIsIgnored() throws {
        var collector = NetlinkReplyCollector(request: request(flags: NLM_F_REQUEST | NLM_F_DUMP), operation: "dump links", device: nil)
        try collector.consume(reply(Int32(RTM_NEWLINK), flags: NLM_F_MULTI | NLM_F_DUMP_INTR, sequence: 7))
        try collector.consume(reply(NLMSG_DONE, flags: NLM_F_MULTI, body: [0, 0, 0, 0]))
        XCTAssertFalse(collector.interrupted)
    }

    func testErrorInDoneFailsTheDump() {
        var collector = NetlinkReplyCollector(request: request(flags: NLM_F_REQUEST | NLM_F_DUMP), operation: "dump bridge fdb", device: nil)
        XCTAssertThrowsError(try collector.consume(reply(NLMSG_DONE, body: withUnsafeBytes(of: -EINVAL) { Array($0) }))) { error in
            XCTAssertEqual(error as? NetlinkError, NetlinkError(operation: "dump bridge fdb", device: nil, errno: EINVAL))
        }
    }

    func testAckCompletesAndErrorThrowsWithOperationAndDevice() throws {
        var ok = NetlinkReplyCollector(request: request(flags: NLM_F_REQUEST | NLM_F_ACK), operation: "set link", device: "ifindex 3")
        try ok.consume(reply(NLMSG_ERROR, body: errorBody(0)))
        XCTAssertTrue(ok.isComplete)
        XCTAssertTrue(ok.messages.isEmpty)

        var refused = NetlinkReplyCollector(request: request(flags: NLM_F_REQUEST | NLM_F_ACK), operation: "set link", device: "ifindex 3")
        XCTAssertThrowsError(try refused.consume(reply(NLMSG_ERROR, body: errorBody(EPERM)))) { error in
            let error = error as? NetlinkError
            XCTAssertEqual(error?.code, EPERM)
            XCTAssertEqual(error?.description, "netlink set link on ifindex 3 failed: Operation not permitted")
        }
    }

    func testGetWithAckReturnsTheReplyBeforeTheAck() throws {
        var collector = NetlinkReplyCollector(request: request(flags: NLM_F_REQUEST | NLM_F_ACK), operation: "get link", device: "br0")
        try collector.consume(reply(Int32(RTM_NEWLINK), body: [5]))
        XCTAssertFalse(collector.isComplete)
        try collector.consume(reply(NLMSG_ERROR, body: errorBody(0)))
        XCTAssertEqual(collector.messages.map(\.body), [[5]])
    }
}
