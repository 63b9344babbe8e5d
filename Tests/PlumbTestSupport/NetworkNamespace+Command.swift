import Foundation

extension NetworkNamespace {
    /// Runs test-side tools (`ip`, `bridge`, `strace`) found on `PATH`, capturing their output.
    public enum Command {
        /// What a finished command printed and how it exited.
        public struct Output {
            public var status: Int32
            public var standardOutput: String
            public var standardError: String
        }

        /// Runs `tool ARGS...` and returns its output whatever the exit status.
        public static func execute(_ tool: String, _ arguments: [String]) throws -> Output {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
            let stdout = Pipe()
            let stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            // Drain stderr concurrently so a chatty tool cannot block on a full pipe.
            let errorData = NetworkNamespaceDataBox()
            let errorDone = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                errorData.data = stderr.fileHandleForReading.readDataToEndOfFile()
                errorDone.signal()
            }
            let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
            errorDone.wait()
            process.waitUntilExit()
            return Output(status: process.terminationStatus,
                          standardOutput: String(decoding: outputData, as: UTF8.self),
                          standardError: String(decoding: errorData.data, as: UTF8.self))
        }

        /// Runs `tool ARGS...`; throws with its standard error if it exits non-zero.
        @discardableResult
        public static func run(_ tool: String, _ arguments: [String]) throws -> Output {
            let output = try execute(tool, arguments)
            guard output.status == 0 else {
                throw NetworkNamespaceError(message: "\(([tool] + arguments).joined(separator: " ")) exited \(output.status): \(output.standardError)")
            }
            return output
        }
    }
}

private final class NetworkNamespaceDataBox: @unchecked Sendable {
    var data = Data()
}
