import Foundation
import Logging
import PlumbPostgres

/// The database the controller runs on: a given URL, or the embedded cluster it started (and stops).
struct ControllerDatabase {
    let url: String
    private let embedded: EmbeddedPostgres?

    init(url: String, embedded: EmbeddedPostgres?) {
        self.url = url
        self.embedded = embedded
    }

    /// The URL without a password, for messages.
    var redactedURL: String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// Stops the embedded cluster, if this controller started one.
    func stop() {
        embedded?.stop()
    }
}

extension ControllerSettings {
    /// The given database, or the embedded cluster in `DATA_DIR/postgres`, started now.
    func startDatabase(logger: Logger) throws -> ControllerDatabase {
        if let databaseURL { return ControllerDatabase(url: databaseURL, embedded: nil) }
        let directory = dataDirectory.appendingPathComponent("postgres", isDirectory: true)
        let embedded = EmbeddedPostgres(directory: directory, databaseName: "plumb", logger: logger)
        do {
            let url = try embedded.start()
            logger.notice("embedded PostgreSQL running", metadata: ["directory": "\(directory.path)"])
            return ControllerDatabase(url: url, embedded: embedded)
        } catch {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("data/postmaster.pid").path) {
                embedded.stop()
            }
            throw StartupFailure("cannot start the embedded PostgreSQL in \(directory.path): \(error)", exitCode: 69)
        }
    }
}
