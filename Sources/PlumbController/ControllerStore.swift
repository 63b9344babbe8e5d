import Foundation
import Logging
import PlumbModel
import PlumbPostgres

/// Everything the controller decides, kept in PostgreSQL: the facility, the materializations and
/// their identifiers, desired state and status of every host, host tokens.
///
/// The decisions themselves are made by the schema's functions (`sql/functions/`), each in one
/// transaction and one round trip; this type validates input, calls them and decodes their answers.
/// Refusals are thrown as ``APIError`` with the HTTP status they are served with, a database that
/// cannot be reached as ``StoreError/unavailable(reason:)``; callers never see the database's own errors
/// for either. The store also answers health checks (``checkHealth(within:)``) and announces generation
/// rises (``generationEvents()``).
public final class ControllerStore: Sendable {
    /// The connections every call runs on.
    public let pool: PostgresPool
    /// Readiness timing.
    public let configuration: ControllerConfiguration
    let logger: Logger
    /// The facility this store last declared, for `PATCH /v1/facility`.
    let lastDeclared = LastDeclaredFacility()

    public init(pool: PostgresPool, configuration: ControllerConfiguration, logger: Logger) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
    }

    /// `unresponsiveAfter` in seconds, as a query parameter for `make_interval(secs => $n)`.
    var unresponsiveSeconds: Double { configuration.unresponsiveAfter }

    /// Runs a change in a READ COMMITTED transaction (the schema's functions lock the scopes they
    /// change), turning refusals into ``APIError`` and an unreachable database into ``StoreError``.
    /// With `retryingConflicts`, a unique violation — a value a concurrent writer took between this
    /// transaction's snapshot and its write — runs the transaction again, as serialization failures
    /// and deadlocks always do.
    @discardableResult
    func change<T>(retryingConflicts: Bool = false, _ body: @escaping (PostgresConnection) throws -> T) async throws -> T {
        try await refusalsAsAPIErrors {
            try await self.pool.transaction(isolation: .readCommitted,
                                            retryIf: retryingConflicts ? { $0.isUniqueViolation } : nil, body)
        }
    }

    /// Runs a read on one connection (a single statement is its own transaction).
    func read<T>(_ body: @escaping (PostgresConnection) throws -> T) async throws -> T {
        try await refusalsAsAPIErrors {
            try await self.pool.withConnection(body)
        }
    }

    private func refusalsAsAPIErrors<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as PostgresError {
            if let refusal = APIError(refusal: error) { throw refusal }
            if error.isServerUnavailable { throw StoreError.unavailable(reason: "\(error)") }
            logger.error("database error", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Runs `sql` (one statement selecting one jsonb column `result`) and decodes the wire document,
    /// or nil when the statement answered NULL.
    static func document<T: Decodable>(_ type: T.Type, _ connection: PostgresConnection, _ sql: String,
                                       _ parameters: [PostgresBindable?]) throws -> T? {
        let result = try connection.query(sql, parameters)
        guard let row = result.rows.first, row["result"] != nil else { return nil }
        return try row.decode(type, "result", decoder: PlumbJSON.decoder())
    }

    static func json<T: Encodable>(_ value: T) throws -> PostgresJSON {
        try PostgresJSON(value, encoder: PlumbJSON.encoder())
    }
}
