import Foundation
import Logging
import PlumbPostgres

extension ControllerSettings {
    /// The given database, or the embedded cluster in `DATA_DIR/postgres` (started when the service runs).
    func databaseService(logger: Logger) -> DatabaseService {
        if let databaseURL { return DatabaseService(.external(url: databaseURL), logger: logger) }
        let directory = dataDirectory.appendingPathComponent("postgres", isDirectory: true)
        return DatabaseService(.embedded(EmbeddedPostgres(directory: directory, databaseName: "plumb", logger: logger)),
                               logger: logger)
    }
}

extension DatabaseService {
    /// The database for messages: the URL without a password, or the embedded cluster's directory.
    var displayName: String {
        switch source {
        case .embedded(let cluster):
            return "the embedded PostgreSQL in \(cluster.directory.path)"
        case .external(let url):
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? url
        }
    }
}
