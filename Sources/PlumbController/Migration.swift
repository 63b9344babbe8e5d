/// One schema migration: a numbered SQL file of `sql/migrations/` (tables only), embedded in the binary.
public struct Migration: Sendable, Equatable {
    /// The number the file name starts with; migrations run in increasing order.
    public let version: Int
    /// The rest of the file name, e.g. `tables`.
    public let name: String
    /// The whole file.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migration of file `NNNN_name.sql`.
    init(file: SQLFile) {
        let base = file.name.hasSuffix(".sql") ? String(file.name.dropLast(4)) : file.name
        let parts = base.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let version = Int(parts[0]) else {
            preconditionFailure("sql/migrations/\(file.name) is not named NNNN_name.sql")
        }
        self.init(version: version, name: String(parts[1]), sql: file.text)
    }

    /// The migrations in `sql/migrations/`, in order.
    public static let embedded: [Migration] = SQLFile.embedded.filter { $0.folder == "migrations" }.map(Migration.init(file:))
}
