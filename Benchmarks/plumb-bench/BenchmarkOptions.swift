import ArgumentParser

/// Options every benchmark shares.
struct BenchmarkOptions: ParsableArguments {
    @Option(help: "How many times to repeat the measurement; the median and the spread (min–max) are reported (default: 5, agent-apply 3).")
    var runs: Int?

    @Flag(help: "Print one JSON document instead of the table.")
    var json = false

    /// The runs asked for, or the benchmark's default.
    func runs(default value: Int) -> Int { runs ?? value }

    func validate() throws {
        guard (runs ?? 1) >= 1 else { throw ValidationError("--runs must be at least 1") }
    }
}
