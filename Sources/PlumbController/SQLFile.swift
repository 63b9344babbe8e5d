/// One file of `sql/` as the binary carries it. `embeddedSQLFiles` is generated at build time by the
/// EmbedSQL plugin from `sql/migrations/` and `sql/functions/`, so `sql/` is the only copy.
public struct SQLFile: Sendable, Equatable {
    /// `migrations` or `functions`.
    public let folder: String
    /// The file name, e.g. `0001_tables.sql`.
    public let name: String
    /// The whole file.
    public let text: String

    public init(folder: String, name: String, text: String) {
        self.folder = folder
        self.name = name
        self.text = text
    }

    /// Every embedded file, each folder's files in name order.
    public static let embedded: [SQLFile] = embeddedSQLFiles
}
