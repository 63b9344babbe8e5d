/// The files of `sql/functions/`: every function, view, trigger and composite type of schema `plumb`.
/// They are applied as one set, in name order, and re-applied as a whole whenever the set changes.
public struct FunctionFiles: Sendable, Equatable {
    public var files: [SQLFile]

    public init(files: [SQLFile]) {
        self.files = files
    }

    /// The function files in `sql/functions/`, in name order.
    public static let embedded = FunctionFiles(files: SQLFile.embedded.filter { $0.folder == "functions" })

    /// What the recorded checksum is taken of: every name and text in order, so that an edit, a new
    /// file, a removed one or a renamed one all count as a change.
    var fingerprint: String {
        files.map { "-- \($0.name)\n\($0.text)" }.joined(separator: "\n")
    }
}
