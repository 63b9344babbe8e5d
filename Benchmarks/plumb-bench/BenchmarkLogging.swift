import Logging

/// Logging for the benchmarks: warnings and errors of the libraries go to standard error, nothing else,
/// so that logging does not distort what is measured.
enum BenchmarkLogging {
    private static let bootstrapped: Bool = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        return true
    }()

    /// A logger under `label`, bootstrapping the logging system on first use.
    static func logger(_ label: String) -> Logger {
        _ = bootstrapped
        return Logger(label: label)
    }
}
