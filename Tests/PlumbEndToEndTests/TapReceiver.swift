import Foundation
import PlumbTestSupport

/// A frame `plumb-tap receive` printed.
struct ReceivedFrame: Decodable, Equatable, CustomStringConvertible {
    var tap: String
    var src: String
    var dst: String
    var ethertype: String
    var plumb: Bool
    var payload: String?

    var description: String { "\(src)->\(dst) \(payload ?? ethertype)" }
}

/// `plumb-tap receive` on one tap of a hypervisor namespace: a VM NIC listening. Runs until ``stop()``;
/// the frames it printed are parsed as they arrive.
final class TapReceiver: @unchecked Sendable {
    let namespace: String
    let tap: String
    private let process = Process()
    private let output: PipeText
    private let errors: PipeText

    /// Starts the receiver and returns once it reports that it listens (the tap is attached and forwarding).
    init(namespace: String, tap: String) throws {
        self.namespace = namespace
        self.tap = tap
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ip", "netns", "exec", namespace, ProductPath.executable("plumb-tap"), "receive", "--tap", tap,
                             "--timeout", "120"]
        let standardOutput = Pipe(), standardError = Pipe()
        process.standardOutput = standardOutput
        process.standardError = standardError
        try process.run()
        output = PipeText(standardOutput)
        errors = PipeText(standardError)
        guard errors.wait(limit: 15, until: { $0.contains("listening on tap") }) else {
            stopProcess()
            throw TapProbeError(message: "plumb-tap receive on \(namespace)/\(tap) did not start listening: \(errors.contents)")
        }
    }

    deinit { stopProcess() }

    /// The marked frames received so far.
    var frames: [ReceivedFrame] { Self.parse(output.contents) }

    /// Blocks until frames with all of `payloads` arrived (true) or `limit` seconds passed (false). The limit
    /// only keeps a broken overlay from hanging the run.
    func waitFor(payloads: Set<String>, limit: TimeInterval = 15) -> Bool {
        output.wait(limit: limit) { payloads.isSubset(of: Set(Self.parse($0).compactMap(\.payload))) }
    }

    /// Stops the receiver (SIGTERM: it prints its summary and exits) and returns every marked frame it got.
    @discardableResult
    func stop() -> [ReceivedFrame] {
        stopProcess()
        _ = output.waitUntilClosed(limit: 10)
        return frames
    }

    /// SIGTERM; SIGKILL if it has not exited within 10 s.
    private func stopProcess() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date(timeIntervalSinceNow: 10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func parse(_ text: String) -> [ReceivedFrame] {
        text.split(separator: "\n").compactMap { line in
            try? JSONDecoder().decode(ReceivedFrame.self, from: Data(line.utf8))
        }.filter(\.plumb)
    }
}

/// A failure of the test's own tooling (plumb-tap, scripts), not of the code under test.
struct TapProbeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
