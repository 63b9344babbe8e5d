import ArgumentParser
import Glibc

/// `plumb-tap receive`: reads what arrives on a tap, as the VM behind it would receive it.
struct ReceiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Print the frames arriving on a tap as JSON lines, until --timeout, --count frames, or SIGTERM/SIGINT.",
        discussion: """
            Once attached and forwarding it writes 'plumb-tap: listening on tap T' to standard error: frames sent \
            after that line are seen. At the end it writes how many frames it printed and ignored.
            """
    )

    @Option(help: "The tap to receive on (the VM NIC's tap, in this namespace).")
    var tap: String

    @Option(help: "Seconds to listen at most (1...3600).")
    var timeout: Int

    @Option(help: "Stop after this many marked frames; exit 1 if fewer arrive before the timeout.")
    var count: Int?

    @Flag(help: "Also print frames plumb-tap did not send (IPv6 neighbour discovery, MLD, ...).")
    var all = false

    @Option(help: "Seconds to wait for the tap's bridge port to forward after attaching.")
    var readyTimeout = 5

    func validate() throws {
        guard (1...3600).contains(timeout) else { throw ValidationError("--timeout must be between 1 and 3600 seconds, got \(timeout)") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard (1...300).contains(readyTimeout) else { throw ValidationError("--ready-timeout must be between 1 and 300 seconds") }
    }

    func run() throws {
        try exitingOnTapError {
            StopSignal.install()
            let device = try TapDevice(attachingTo: tap)
            try device.waitUntilForwarding(timeout: .seconds(readyTimeout))
            FileOutput.standardError.line("plumb-tap: listening on tap \(tap)")
            let deadline = ContinuousClock.now + .seconds(timeout)
            var marked = 0
            var ignored = 0
            while !StopSignal.isRequested, marked < count ?? .max {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { break }
                // Short slices, so a stop signal is seen promptly.
                guard let frame = try device.receive(timeout: min(left, .milliseconds(100))) else { continue }
                let text = MarkedPayload.decode(frame)
                if text != nil { marked += 1 } else { ignored += 1 }
                if text != nil || all { FileOutput.standardOutput.line(FrameLine.json(frame, tap: tap, text: text, event: "received")) }
            }
            FileOutput.standardError.line("plumb-tap: tap \(tap): \(marked) marked frames received, \(ignored) other frames "
                                          + (all ? "printed" : "ignored"))
            if let count, marked < count {
                throw TapError(message: "tap \(tap): \(marked) of \(count) frames arrived before the timeout", exitCode: .failure)
            }
        }
    }
}

/// SIGTERM and SIGINT end a receive early and cleanly (the summary is still written).
enum StopSignal {
    private static var flag: sig_atomic_t = 0

    static var isRequested: Bool { flag != 0 }

    static func install() {
        signal(SIGTERM) { _ in StopSignal.flag = 1 }
        signal(SIGINT) { _ in StopSignal.flag = 1 }
    }
}
