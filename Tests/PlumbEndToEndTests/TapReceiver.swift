import Foundation

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
    private let condition = NSCondition()
    private var output = ""
    private var errors = ""
    private var closed = 0

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
        collect(standardOutput) { $0.output += $1 }
        collect(standardError) { $0.errors += $1 }
        guard wait(limit: 15, until: { $0.errors.contains("listening on tap") }) else {
            stopProcess()
            throw TapProbeError(message: "plumb-tap receive on \(namespace)/\(tap) did not start listening: \(errorText)")
        }
    }

    deinit { stopProcess() }

    /// The marked frames received so far.
    var frames: [ReceivedFrame] {
        condition.lock()
        defer { condition.unlock() }
        return Self.parse(output)
    }

    var errorText: String {
        condition.lock()
        defer { condition.unlock() }
        return errors
    }

    /// Blocks until frames with all of `payloads` arrived (true) or `limit` seconds passed (false). The limit
    /// only keeps a broken overlay from hanging the run.
    func waitFor(payloads: Set<String>, limit: TimeInterval = 15) -> Bool {
        wait(limit: limit) { receiver in
            payloads.isSubset(of: Set(Self.parse(receiver.output).compactMap(\.payload)))
        }
    }

    /// Stops the receiver (SIGTERM: it prints its summary and exits) and returns every marked frame it got.
    @discardableResult
    func stop() -> [ReceivedFrame] {
        stopProcess()
        _ = wait(limit: 10) { $0.closed == 2 }
        return frames
    }

    private func stopProcess() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    private func collect(_ pipe: Pipe, _ append: @escaping (TapReceiver, String) -> Void) {
        Thread.detachNewThread { [weak self] in
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                guard let self else { return }
                self.condition.lock()
                if chunk.isEmpty { self.closed += 1 } else { append(self, String(decoding: chunk, as: UTF8.self)) }
                self.condition.broadcast()
                self.condition.unlock()
                if chunk.isEmpty { return }
            }
        }
    }

    private func wait(limit: TimeInterval, until done: (TapReceiver) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: limit)
        condition.lock()
        defer { condition.unlock() }
        while !done(self) {
            if closed == 2 || !condition.wait(until: deadline) { return done(self) }
        }
        return true
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
