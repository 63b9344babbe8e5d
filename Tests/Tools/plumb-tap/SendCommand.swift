import ArgumentParser
import Foundation
import PlumbModel

/// `plumb-tap send`: writes marked frames into a tap, as the VM behind it would send them.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send marked Ethernet frames from a tap (as its VM would), one JSON line per frame sent.",
        discussion: "With --count above 1 each frame's text ends in ' #N' (1-based), so receivers can tell them apart."
    )

    @Option(help: "The tap to send from (the VM NIC's tap, in this namespace).")
    var tap: String

    @Option(help: "Source MAC: the VM NIC's MAC.", transform: SendCommand.mac)
    var src: MACAddress

    @Option(help: "Destination MAC; ff:ff:ff:ff:ff:ff for broadcast.", transform: SendCommand.mac)
    var dst: MACAddress

    @Option(help: "Frames to send (1...10000).")
    var count = 1

    @Option(help: "Text carried in each frame.")
    var payload = "hello"

    @Option(help: "Milliseconds between frames.")
    var intervalMs = 10

    @Option(help: "Seconds to wait for the tap's bridge port to forward after attaching.")
    var readyTimeout = 5

    func validate() throws {
        guard (1...10_000).contains(count) else { throw ValidationError("--count must be between 1 and 10000, got \(count)") }
        guard (0...10_000).contains(intervalMs) else { throw ValidationError("--interval-ms must be between 0 and 10000") }
        guard (1...300).contains(readyTimeout) else { throw ValidationError("--ready-timeout must be between 1 and 300 seconds") }
        guard payload.utf8.count <= MarkedPayload.maximumTextLength - 8 else {
            throw ValidationError("--payload is longer than \(MarkedPayload.maximumTextLength - 8) bytes")
        }
    }

    func run() throws {
        try exitingOnTapError {
            let device = try TapDevice(attachingTo: tap)
            try device.waitUntilForwarding(timeout: .seconds(readyTimeout))
            for number in 1...count {
                let text = count == 1 ? payload : "\(payload) #\(number)"
                let frame = EthernetFrame(destination: dst, source: src, etherType: MarkedPayload.etherType,
                                          payload: MarkedPayload.encode(text))
                try device.send(frame)
                FileOutput.standardOutput.line(FrameLine.json(frame, tap: tap, text: text, event: "sent"))
                if number < count, intervalMs > 0 { Thread.sleep(forTimeInterval: Double(intervalMs) / 1000) }
            }
        }
    }

    @Sendable static func mac(_ text: String) throws -> MACAddress {
        guard let mac = MACAddress(text) else { throw ValidationError("'\(text)' is not a MAC address (aa:bb:cc:dd:ee:ff)") }
        return mac
    }
}
