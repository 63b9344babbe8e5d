import HTTPTypes
import OpenAPIRuntime
import PlumbModel

/// Authorizes every operation before anything of its input is read: the ``Access`` of its operation id for
/// the caller its bearer token names (``Caller/presented``; 401/403 otherwise); the handler then finds the caller in ``Caller/current``.
struct OperationAuthorization: ServerMiddleware {
    let authenticator: Authenticator

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        let pathName = try metadata.pathParameters["name"].map { try StrictInput.decodedSegment($0, field: "name") }
        let caller = try authenticator.authorize(Access.byOperation[operationID] ?? .admin, operation: operationID,
                                                 identity: Caller.presented, pathName: pathName)
        return try await Caller.$current.withValue(caller) {
            try await next(request, body, metadata)
        }
    }
}
