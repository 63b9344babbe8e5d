import Foundation
import PackagePlugin

/// Embeds `sql/migrations/*.sql`, `sql/functions/*.sql` and `sql/mechanism/*.sql` in the target it is applied to, so that the
/// binary carries exactly what `sql/` holds: `sql/` stays the only copy, and a changed `.sql` file
/// rebuilds the target (every file is an input of the build command).
@main
struct EmbedSQL: BuildToolPlugin {
    /// The folders of `sql/` whose files the controller runs: migrations and function files in the order it
    /// applies them, and the statements of the mechanism that applies them.
    static let folders = ["migrations", "functions", "mechanism"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let sql = context.package.directoryURL.appending(path: "sql")
        var arguments: [String] = []
        var inputs: [URL] = []
        for folder in Self.folders {
            let directory = sql.appending(path: folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".sql") }
                .sorted()
            for name in names {
                let file = directory.appending(path: name)
                arguments += [folder, file.path]
                inputs.append(file)
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        return [.buildCommand(
            displayName: "Embedding the SQL files in \(target.name)",
            executable: try context.tool(named: "plumb-embed-sql").url,
            arguments: [output.path] + arguments,
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
