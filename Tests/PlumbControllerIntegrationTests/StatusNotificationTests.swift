import Foundation
import PlumbController
import PlumbModel
import XCTest

/// Every rise of a host's generation is announced on `plumb_generation` by the same transaction
/// (a trigger on the generation column), as `kind:name:generation`, and reaches the store's
/// ``ControllerStore/generationEvents()``.
final class StatusNotificationTests: StoreTestCase {
    private final class Inbox: @unchecked Sendable {
        private let lock = NSLock()
        private var payloads: [String] = []
        private var connected = false
        func add(_ event: GenerationEvent) {
            lock.withLock {
                switch event {
                case .listening: connected = true
                case .rose(let notice): payloads.append("\(notice.host):\(notice.generation)")
                }
            }
        }
        var isConnected: Bool { lock.withLock { connected } }
        var received: [String] { lock.withLock { payloads } }
    }

    /// Waits until `condition` holds, failing after a generous deadline instead of hanging.
    private func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(20)
        while !condition() {
            guard Date() < deadline else {
                XCTFail("never saw \(what)")
                return
            }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    func testGenerationRisesAreNotified() async throws {
        let inbox = Inbox()
        let events = store.generationEvents()
        let collector = Task { for await event in events { inbox.add(event) } }
        defer { collector.cancel() }
        try await eventually("the listener connect") { inbox.isConnected }

        try await declareFacility()
        try await eventually("the new hosts") { inbox.received.count >= 5 }
        XCTAssertEqual(Set(inbox.received), ["hypervisor:hv0:1", "hypervisor:hv1:1", "hypervisor:hv2:1", "leaf:leaf0:1", "leaf:leaf1:1"])

        _ = try await store.materialize(id: "exp", spec: Fixture.simple([.virtio, .vfio]))
        try await store.dematerialize(id: "exp")
        let expected: Set = ["hypervisor:hv0:2", "leaf:leaf0:2", "hypervisor:hv0:3", "leaf:leaf0:3"]
        try await eventually("the materialization's rises") { Set(inbox.received).isSuperset(of: expected) }
        XCTAssertEqual(inbox.received.count, 9, "\(inbox.received)")

        // A status report changes no generation, so it announces nothing.
        try await store.reportStatus(.hypervisor("hv0"), report: HostStatusReport(appliedGeneration: 3))
        _ = try await store.materialize(id: "marker", spec: Fixture.simple([.virtio], hypervisor: "hv2"))
        try await eventually("the marker") { inbox.received.contains("hypervisor:hv2:2") }
        XCTAssertEqual(inbox.received.count, 10, "\(inbox.received)")
    }
}
