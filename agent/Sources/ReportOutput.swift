import Foundation
import PlumbAgentKit

/// What `plan`, `apply` and `cleanup` print on standard output.
enum ReportOutput {
    /// One line per operation, `item: what`, or a line saying there is nothing to do.
    static func printOperations(_ operations: [PlumbAgentKit.Operation], verb: String) {
        if operations.isEmpty {
            print("nothing to \(verb)")
            return
        }
        for operation in operations {
            print("\(operation.item): \(operation)")
        }
        print("\(operations.count) operation\(operations.count == 1 ? "" : "s")")
    }

    /// The operations of an apply or cleanup, then its item errors; exits with 1 when some item failed.
    static func finish(_ report: ApplyReport, verb: String) throws {
        if !report.operations.isEmpty || report.errors.isEmpty {
            printOperations(report.operations, verb: verb)
        }
        for error in report.errors {
            print("error: \(error.item): \(error.message)")
        }
        if !report.errors.isEmpty {
            throw AgentExit(code: .itemErrors, message: "\(report.errors.count) item\(report.errors.count == 1 ? "" : "s") could not be applied")
        }
    }
}
