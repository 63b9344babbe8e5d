import Foundation
import HTTPTypes
import NIOCore
import OpenAPIRuntime

/// The body an operation answers with when its bytes were encoded before the answer: the desired-state
/// documents, encoded once per (host, generation) by ``DesiredDocuments`` and shared by every poll waiting for
/// them — thousands when a change wakes a whole testbed — and a declared facility, answered with the JSON it
/// was stored as (``DeclaredFacility``).
///
/// The generated server only sends a typed answer, which it would encode again for each request, and sends no
/// body with an `undocumented` one. So a handler puts the shared bytes here (``PreEncodedBody/answer(_:)``) and
/// answers `.undocumented` with the document's status, and ``PreEncodedBodies``, around the generated
/// serializer, sends them as the body with the content type of the document's answer.
final class PreEncodedBody: @unchecked Sendable {
    /// The slot of the operation this task serves (set by ``PreEncodedBodies``).
    @TaskLocal static var current: PreEncodedBody?

    private let lock = NSLock()
    private var buffer: ByteBuffer?

    /// Sends `body` (JSON) as the answer of the operation this task serves.
    static func answer(_ body: ByteBuffer) {
        guard let slot = current else { preconditionFailure("PreEncodedBodies is not among the server's middlewares") }
        slot.lock.withLock { slot.buffer = body }
    }

    fileprivate var body: ByteBuffer? { lock.withLock { buffer } }
}

/// Sends what a handler put in ``PreEncodedBody`` as its answer's body.
struct PreEncodedBodies: ServerMiddleware {
    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        let slot = PreEncodedBody()
        var (response, answer) = try await PreEncodedBody.$current.withValue(slot) {
            try await next(request, body, metadata)
        }
        if let encoded = slot.body {
            response.headerFields[.contentType] = "application/json; charset=utf-8"
            answer = HTTPBody(ArraySlice(encoded.readableBytesView))
        }
        return (response, answer)
    }
}
