import ArgumentParser

/// A failure that ends plumb-tap with a message on standard error and a non-zero exit status.
struct TapError: Error, CustomStringConvertible {
    var message: String
    var exitCode: ExitCode = .init(2)

    var description: String { "plumb-tap: \(message)" }
}

extension ParsableCommand {
    /// Runs `body`, turning a ``TapError`` into its message on standard error and its exit status.
    func exitingOnTapError(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as TapError {
            FileOutput.standardError.line(error.description)
            throw error.exitCode
        }
    }
}
