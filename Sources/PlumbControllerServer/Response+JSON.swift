import Foundation
import Hummingbird
import PlumbModel

extension Response {
    /// A JSON response of a wire document (``PlumbJSON`` coding).
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try PlumbJSON.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The `{"error": {...}}` envelope of an ``APIError``, served with its status.
    static func error(_ error: APIError) -> Response {
        let data = (try? PlumbJSON.encode(APIError.Envelope(error: error))) ?? Data(#"{"error":{"code":"internal","message":""}}"#.utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        if error.status == 401 {
            headers[.wwwAuthenticate] = "Bearer"
        }
        return Response(status: HTTPResponse.Status(code: error.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A text response (rendered attachments).
    static func text(_ text: String, contentType: String) -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A response without a body (204, 304).
    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status)
    }
}
