import Foundation

/// What a child process writes to one pipe (its standard output or error), collected on a thread of its own
/// as it arrives, so that a test can read it at any time and wait, bounded, for what it expects.
public final class PipeText: @unchecked Sendable {
    private let condition = NSCondition()
    private var text = ""
    private var closed = false

    /// Starts reading `pipe` until the writer closes it.
    public init(_ pipe: Pipe) {
        Thread.detachNewThread { [self] in
            let handle = pipe.fileHandleForReading
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty { closed = true } else { text += String(decoding: chunk, as: UTF8.self) }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { return }
            }
        }
    }

    /// Everything read so far.
    public var contents: String {
        condition.lock()
        defer { condition.unlock() }
        return text
    }

    /// True once the writer closed the pipe (the process exited, usually).
    public var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// Blocks until `done` holds for the text read so far (true), or the pipe closed or `limit` seconds passed
    /// without it (false).
    public func wait(limit: TimeInterval, until done: (String) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: limit)
        condition.lock()
        defer { condition.unlock() }
        while !done(text) {
            if closed || !condition.wait(until: deadline) { return done(text) }
        }
        return true
    }

    /// Blocks until the pipe closed (true) or `limit` seconds passed (false).
    public func waitUntilClosed(limit: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: limit)
        condition.lock()
        defer { condition.unlock() }
        while !closed {
            if !condition.wait(until: deadline) { return closed }
        }
        return true
    }
}
