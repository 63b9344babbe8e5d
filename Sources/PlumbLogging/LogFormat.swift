import Logging

/// How Plumb's programs write log lines to standard error.
public enum LogFormat: String, CaseIterable, Sendable {
    /// swift-log's text lines (`key=value` metadata).
    case text
    /// One JSON object per line (``JSONLogHandler``).
    case json

    /// Bootstraps swift-log to write to standard error in this format from `level` up.
    public func bootstrap(level: Logger.Level) {
        let format = self
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
