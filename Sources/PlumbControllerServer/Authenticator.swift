import Foundation
import PlumbController
import PlumbModel

/// Tells who holds a bearer token (for ``BearerTokenMiddleware``) and decides whether that caller may
/// call an operation.
///
/// The admin and Cogs tokens come from configuration and are compared in constant time; any other
/// token is looked up as a host token (the database keeps only its hash).
public struct Authenticator: Sendable {
    private let adminToken: [UInt8]
    private let cogsToken: [UInt8]
    private let lookUpHost: @Sendable (String) async throws -> HostKey?

    /// - Parameters:
    ///   - adminToken: the token that may call everything.
    ///   - cogsToken: the token of the testbed automation.
    ///   - lookUpHost: the host a token belongs to, or nil (``ControllerStore/authenticate(hostToken:)``).
    public init(adminToken: String, cogsToken: String, lookUpHost: @escaping @Sendable (String) async throws -> HostKey?) {
        precondition(!adminToken.isEmpty && !cogsToken.isEmpty, "configured tokens must not be empty")
        self.adminToken = Array(adminToken.utf8)
        self.cogsToken = Array(cogsToken.utf8)
        self.lookUpHost = lookUpHost
    }

    /// The caller allowed to call `operation` (with this access), given the identity its bearer token established
    /// (nil: no token, or one nobody holds), or a 401/403 ``APIError``.
    ///
    /// - Parameter pathName: the `{name}` of the request path, for operations a host may call about itself.
    public func authorize(_ access: Access, operation: String, identity: Caller?, pathName: String?) throws -> Caller {
        if access == .anyone { return identity ?? .anonymous }
        guard let caller = identity else {
            throw APIError(status: 401, code: "unauthorized",
                           message: "a valid bearer token is required (Authorization: Bearer TOKEN)")
        }
        guard Self.allows(access, caller, pathName: pathName) else {
            throw APIError(status: 403, code: "forbidden", message: "\(caller) may not call \(operation)")
        }
        return caller
    }

    /// Whether `caller` may use a route with this access (pure).
    static func allows(_ access: Access, _ caller: Caller, pathName: String?) -> Bool {
        switch (access, caller) {
        case (.anyone, _), (_, .admin): return true
        case (.admin, _), (_, .anonymous): return false
        case (.cogs, .cogs), (.ownHostReads, .cogs): return true
        case (.ownHostReports, .cogs), (.cogs, .host): return false
        case (.ownHostReads(let kind), .host(let key)): return key.kind == kind && key.name == pathName
        case (.ownHostReports, .host(let key)): return key.name == pathName
        }
    }

    /// Who holds `token`: the admin, Cogs, a host, or nobody (nil).
    func identify(token: String) async throws -> Caller? {
        let presented = Array(token.utf8)
        if Self.constantTimeEqual(presented, adminToken) { return .admin }
        if Self.constantTimeEqual(presented, cogsToken) { return .cogs }
        return try await lookUpHost(token).map(Caller.host)
    }

    /// The token of an `Authorization: Bearer TOKEN` value (scheme case-insensitive), or nil.
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        // HTTP's optional whitespace (space, tab) around the token is no part of it. (Foundation's
        // `trimmingCharacters` costs a bridge to NSString on every request.)
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let start = parts[1].drop(while: isWhitespace)
        let token = String(start[..<(start.lastIndex { !isWhitespace($0) }.map(start.index(after:)) ?? start.startIndex)])
        // A token is looked up in the database: one holding a control character is no token of ours.
        guard !token.isEmpty, (try? APIError.checkText(token, field: "authorization")) != nil else { return nil }
        return token
    }

    /// Compares two byte strings in time that depends only on their lengths, never on where they differ.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count) | UInt8(lhs.count == rhs.count ? 0 : 1)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
