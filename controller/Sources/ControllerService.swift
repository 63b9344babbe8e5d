import Foundation
import Logging
import PlumbController
import PlumbControllerServer
import PlumbPostgres
import ServiceLifecycle

/// The controller proper, last in the service group: waits for the database, migrates it, then serves
/// until graceful shutdown. Its failures carry the exit status the command ends with.
struct ControllerService: Service {
    let database: DatabaseService
    let store: ControllerStore
    let server: ControllerServer
    /// HOST:PORT, for messages.
    let listenAddress: String
    let listening: ListeningFlag
    let logger: Logger

    func run() async throws {
        do {
            _ = try await database.url()
        } catch {
            throw StartupFailure("cannot start \(database.displayName): \(error)", exitCode: 69)
        }
        if Task.isShuttingDownGracefully {
            logger.notice("stopped before serving: a stop was requested while starting")
            return
        }
        do {
            try await store.migrate()
        } catch {
            throw StartupFailure("cannot use the database \(database.displayName): \(error)", exitCode: 69)
        }
        do {
            try await server.run()
        } catch {
            if listening.isSet {
                throw StartupFailure("the server failed: \(error)", exitCode: 70)
            }
            throw StartupFailure("cannot listen on \(listenAddress): \(error)", exitCode: 71)
        }
    }
}

/// Set once the server has bound its socket, to tell a failure to listen from a later one.
final class ListeningFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
