import Foundation
import PlumbTestSupport

extension EndToEndBed {
    /// What one sender's frames did: the payloads each listener received (only this exchange's).
    struct Exchange {
        var broadcast: String
        var unicast: [VMNIC: String]
        var received: [VMNIC: Set<String>]

        /// The payloads `listener` received.
        func at(_ listener: VMNIC) -> Set<String> { received[listener] ?? [] }
    }

    private static let counter = ExchangeCounter()

    /// Listens on every NIC of `listeners` (plumb-tap receive, attached like a VM), then sends from `sender` one
    /// broadcast and one unicast to each NIC of `unicastTo`. Waits (bounded) until every NIC of `expecting` has
    /// the broadcast and its unicast, gives stray frames `grace` seconds more to show up anywhere, and answers
    /// what each listener received.
    func exchange(from sender: VMNIC, listeners: [VMNIC], unicastTo targets: [VMNIC], expecting: [VMNIC],
                  grace: TimeInterval = 0.5) throws -> Exchange {
        let tag = "\(sender)#\(Self.counter.next())"
        let broadcast = "broadcast from \(tag)"
        let unicast = Dictionary(uniqueKeysWithValues: targets.map { ($0, "unicast from \(tag) to \($0)") })
        let receivers = try listeners.map { try TapReceiver(namespace: testbed.namespace($0.host), tap: $0.tap) }
        defer { receivers.forEach { $0.stop() } }

        try send(from: sender, to: "ff:ff:ff:ff:ff:ff", payload: broadcast)
        for target in targets { try send(from: sender, to: target.mac, payload: unicast[target]!) }

        for (listener, receiver) in zip(listeners, receivers) where expecting.contains(listener) {
            _ = receiver.waitFor(payloads: Set([broadcast] + [unicast[listener]].compactMap { $0 }))
        }
        Thread.sleep(forTimeInterval: grace)
        var received: [VMNIC: Set<String>] = [:]
        for (listener, receiver) in zip(listeners, receivers) {
            received[listener] = Set(receiver.stop().compactMap(\.payload).filter { $0.contains(tag) })
        }
        return Exchange(broadcast: broadcast, unicast: unicast, received: received)
    }

    /// `plumb-tap send` from `sender`'s tap, as its VM would.
    func send(from sender: VMNIC, to destination: String, payload: String) throws {
        try NetworkNamespace.Command.run("ip", ["netns", "exec", testbed.namespace(sender.host), ProductPath.executable("plumb-tap"),
                                                "send", "--tap", sender.tap, "--src", sender.mac, "--dst", destination,
                                                "--payload", payload])
    }
}

private final class ExchangeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}
