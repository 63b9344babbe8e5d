/// One file of `sql/` as the binary carries it. `embeddedSQLFiles` is generated at build time by the
/// EmbedSQL plugin from `sql/migrations/`, `sql/functions/` and `sql/mechanism/`, so `sql/` is the only copy.
public struct SQLFile: Sendable, Equatable {
    /// `migrations`, `functions` or `mechanism`.
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

    /// The text of `sql/mechanism/NAME.sql`: statements of the migration mechanism itself. Present by construction
    /// (the plugin embeds the folder, and `EmbeddedSQLTests` names each file the code uses).
    static func mechanism(_ name: String) -> String {
        guard let file = embedded.first(where: { $0.folder == "mechanism" && $0.name == name + ".sql" }) else {
            preconditionFailure("sql/mechanism/\(name).sql is not embedded")
        }
        return file.text
    }
}
