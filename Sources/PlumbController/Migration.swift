/// One schema migration: a numbered SQL file of `sql/migrations/`, embedded in the binary.
public struct Migration: Sendable, Equatable {
    /// The number the file name starts with; migrations run in increasing order.
    public let version: Int
    /// The rest of the file name, e.g. `schema`.
    public let name: String
    /// The whole file.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
