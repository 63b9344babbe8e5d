import ArgumentParser

/// `plumb-bench`: the benchmarks of issue 5, one subcommand each. Every subcommand prints a table (or, with
/// `--json`, one JSON document), reports the median and spread over `--runs`, and prints the target beside
/// each result. Benchmarks never fail on a time: they exit non-zero only when a correctness check fails.
@main
struct PlumbBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plumb-bench",
        abstract: "Plumb's benchmarks: allocation cost, agent apply speed, propagation.",
        subcommands: [MaterializeCommand.self, AgentApplyCommand.self, PropagationCommand.self])
}
