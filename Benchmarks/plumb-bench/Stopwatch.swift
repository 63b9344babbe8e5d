import Glibc

/// Monotonic time for measurements.
enum Stopwatch {
    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Milliseconds `body` took, and what it returned.
    static func milliseconds<T>(_ body: () throws -> T) rethrows -> (Double, T) {
        let start = now()
        let value = try body()
        return ((now() - start) * 1000, value)
    }

    /// Milliseconds an async `body` took, and what it returned.
    static func milliseconds<T>(_ body: () async throws -> T) async rethrows -> (Double, T) {
        let start = now()
        let value = try await body()
        return ((now() - start) * 1000, value)
    }
}
