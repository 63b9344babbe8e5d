import Foundation
import Logging

/// A log handler that keeps every record logged through it, so a test can look for a line, its level
/// and its metadata: `Logger(label: "test") { _ in records }`.
public final class LogRecords: LogHandler, @unchecked Sendable {
    /// One logged line, with the handler's metadata merged under the line's own.
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    public var logLevel: Logger.Level = .trace
    public var metadata: Logger.Metadata = [:]
    private let lock = NSLock()
    private var records: [Record] = []

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        lock.withLock {
            records.append(Record(level: event.level, message: event.message.description,
                                  metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }

    /// Everything logged so far, oldest first.
    public var all: [Record] { lock.withLock { records } }

    /// The first record whose message contains `text`.
    public func first(containing text: String) -> Record? {
        all.first { $0.message.contains(text) }
    }
}
