import NIOConcurrencyHelpers

/// Resumes a continuation with the first of several racing answers and ignores the rest.
///
/// Hand over the continuation with ``set(_:)`` before starting the racers.
final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation = NIOLockedValueBox<CheckedContinuation<Value, Never>?>(nil)

    /// The continuation the first answer resumes.
    func set(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation.withLockedValue { $0 = continuation }
    }

    /// Offers an answer; only the first one counts.
    func answer(_ value: Value) {
        let waiting = continuation.withLockedValue { current -> CheckedContinuation<Value, Never>? in
            defer { current = nil }
            return current
        }
        waiting?.resume(returning: value)
    }
}
