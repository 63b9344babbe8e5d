import Foundation
import Hummingbird
import PlumbModel

extension Response {
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
}
