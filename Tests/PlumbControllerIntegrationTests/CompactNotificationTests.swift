import Foundation
import Logging
import PlumbController
import PlumbModel
import PlumbPostgres
import XCTest

/// A statement that raises many hosts announces them together: a few `plumb_generation` payloads listing hosts
/// (each under NOTIFY's 8,000 bytes), not one notification per host.
final class CompactNotificationTests: StoreTestCase {
    private final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var payloads: [String] = []
        private var connected = false
        func add(_ event: PostgresListener.Event) {
            lock.withLock {
                switch event {
                case .connected: connected = true
                case .notification(_, let payload): payloads.append(payload)
                }
            }
        }
        var isConnected: Bool { lock.withLock { connected } }
        var received: [String] { lock.withLock { payloads } }
    }

    private func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else { return XCTFail("never saw \(what)") }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    func testAFacilityOfManyHostsIsAnnouncedInAFewPayloads() async throws {
        let inbox = Inbox()
        let listener = PostgresListener(url: databaseURL, channels: [GenerationNotice.channel], logger: Logger(label: "test.listen")) {
            inbox.add($0)
        }
        listener.start()
        defer { listener.stop() }
        try await eventually("the listener connect") { inbox.isConnected }

        var facility = Fixture.facility()
        facility.hypervisors = (0..<1000).map { index in
            Facility.Hypervisor(name: "hypervisor-\(index)", vtepIp: IPv4Address("198.19.\(index / 250).\(index % 250 + 1)")!,
                                leaf: "leaf1", underlayMtu: 9000)
        }
        try await store.putFacility(facility)
        let everyHost = { inbox.received.flatMap { GenerationNotice.all(in: $0) ?? [] } }
        try await eventually("1,002 hosts announced") { everyHost().count == 1002 }
        XCTAssertEqual(Set(everyHost().map(\.host)).count, 1002)
        XCTAssertTrue(everyHost().allSatisfy { $0.generation == 1 })
        XCTAssertLessThanOrEqual(inbox.received.count, 5, "a few payloads, not one per host")
        XCTAssertTrue(inbox.received.allSatisfy { $0.utf8.count < 8000 })

        // Every hypervisor's MTU changes: each announced once more, at generation 2; the leaves not at all.
        for index in facility.hypervisors.indices { facility.hypervisors[index].underlayMtu = 1500 }
        let before = inbox.received.count
        try await store.putFacility(facility)
        try await eventually("the rises") { everyHost().count == 2002 }
        let rises = inbox.received.dropFirst(before).flatMap { GenerationNotice.all(in: $0) ?? [] }
        XCTAssertEqual(rises.count, 1000)
        XCTAssertTrue(rises.allSatisfy { $0.host.kind == .hypervisor && $0.generation == 2 })
    }
}
