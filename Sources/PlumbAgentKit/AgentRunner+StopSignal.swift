import Foundation

extension DesiredStateRunner {
    /// A one-way stop flag with a sleep that ends early when the flag is set.
    final class StopSignal: @unchecked Sendable {
        private let condition = NSCondition()
        private var stopped = false

        var isStopped: Bool {
            condition.lock()
            defer { condition.unlock() }
            return stopped
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }

        /// Sleeps for `duration` or until ``stop()``; returns true when stopped.
        func wait(for duration: Duration) -> Bool {
            let (seconds, attoseconds) = duration.components
            let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) * 1e-18)
            condition.lock()
            defer { condition.unlock() }
            while !stopped {
                if !condition.wait(until: deadline) { break }
            }
            return stopped
        }
    }
}
