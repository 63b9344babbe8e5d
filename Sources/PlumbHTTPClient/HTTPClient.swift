import CCurl
import CCurlShim
import Foundation

/// A blocking HTTP/1.1 client over one libcurl easy handle.
///
/// The handle is reused for every request, so the connection to a server stays open between
/// requests. Requests are serialised by a lock: the client may be shared between threads, but
/// one request runs at a time. Calls block; run them on a thread of your own.
/// ``cancel()`` may be called from any thread and stops the request in flight and every later one.
public final class HTTPClient: @unchecked Sendable {
    /// The settings every request uses.
    public let configuration: HTTPClientConfiguration

    private let handle: UnsafeMutableRawPointer
    private let requestLock = NSLock()
    private let cancellation = CancellationFlag()
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))

    /// libcurl's process-wide setup, run once before the first handle is made.
    private static let globalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Creates a client with its own libcurl handle.
    public init(configuration: HTTPClientConfiguration = .init()) {
        precondition(Self.globalInitResult == CURLE_OK, "curl_global_init failed: \(Self.globalInitResult.rawValue)")
        guard let handle = curl_easy_init() else {
            fatalError("curl_easy_init returned NULL: libcurl could not allocate a handle")
        }
        self.handle = handle
        self.configuration = configuration
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Stops the request in flight (it throws an ``HTTPClientError`` whose `isCancelled` is true)
    /// and makes every later request fail the same way at once. Safe from any thread.
    public func cancel() {
        cancellation.set()
    }

    /// True once ``cancel()`` has been called.
    public var isCancelled: Bool { cancellation.isSet }

    /// Sends one request and returns the response, whatever its status.
    ///
    /// - Parameters:
    ///   - method: `GET`, `PUT`, `POST`, `DELETE`, ...
    ///   - url: an absolute `http://` or `https://` URL.
    ///   - headers: extra request headers; `Authorization` comes from the configuration's bearer token.
    ///   - body: the request body; sent with `Content-Length`.
    ///   - timeout: the total time this request may take, instead of the configuration's `totalTimeout`.
    /// - Throws: ``HTTPClientError`` when no HTTP response arrived.
    public func send(method: String, url: String, headers: [String: String] = [:], body: Data? = nil,
                     timeout: Duration? = nil) throws -> HTTPResponse {
        requestLock.lock()
        defer { requestLock.unlock() }

        func failure(_ code: CURLcode) -> HTTPClientError {
            let detail = String(cString: errorBuffer)
            let summary = String(cString: curl_easy_strerror(code))
            let message = detail.isEmpty || detail == summary ? summary : "\(summary): \(detail)"
            return HTTPClientError(code: Int(code.rawValue), message: message, method: method, url: url)
        }
        if cancellation.isSet { throw failure(CURLE_ABORTED_BY_CALLBACK) }

        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let transfer = Transfer(cancellation: cancellation)
        let headerList = requestHeaders(headers, hasBody: body != nil)
        defer { curl_slist_free_all(headerList) }

        let code: CURLcode = withExtendedLifetime(transfer) {
            let context = Unmanaged.passUnretained(transfer).toOpaque()
            var result = configure(method: method, url: url, headerList: headerList, timeout: timeout ?? configuration.totalTimeout,
                                   context: context)
            guard result == CURLE_OK else { return result }
            let payload = body ?? Data()
            result = payload.withUnsafeBytes { bytes -> CURLcode in
                if body != nil || method != "GET" && method != "HEAD" && method != "DELETE" {
                    // A body (possibly empty) is sent with Content-Length; POSTFIELDS points into `payload`,
                    // which stays alive until curl_easy_perform returns.
                    var setup = plumb_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count)
                    if setup == CURLE_OK {
                        let pointer = bytes.baseAddress ?? UnsafeRawPointer(Self.emptyBody)
                        setup = plumb_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: pointer))
                    }
                    guard setup == CURLE_OK else { return setup }
                }
                return curl_easy_perform(handle)
            }
            return result
        }
        guard code == CURLE_OK else { throw failure(code) }

        var status = 0
        let infoResult = plumb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard infoResult == CURLE_OK else { throw failure(infoResult) }
        return HTTPResponse(status: status, headers: transfer.headers, body: transfer.body)
    }

    /// A static empty buffer for bodies of length 0 (POSTFIELDS must not be NULL then, or libcurl reads a callback).
    private static let emptyBody = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// The request headers as a libcurl list; the caller frees it after the transfer.
    private func requestHeaders(_ headers: [String: String], hasBody: Bool) -> UnsafeMutablePointer<curl_slist>? {
        var lines: [String] = []
        if let token = configuration.bearerToken {
            lines.append("Authorization: Bearer \(token)")
        }
        if hasBody, !headers.keys.contains(where: { $0.caseInsensitiveCompare("Content-Type") == .orderedSame }) {
            lines.append("Content-Type: application/json")
        }
        // No "Expect: 100-continue" round trip before a body.
        lines.append("Expect:")
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            lines.append("\(name): \(value)")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            list = curl_slist_append(list, line)
        }
        return list
    }

    /// Sets every option of one request on the freshly reset handle.
    private func configure(method: String, url: String, headerList: UnsafeMutablePointer<curl_slist>?, timeout: Duration,
                           context: UnsafeMutableRawPointer) -> CURLcode {
        var options: [() -> CURLcode] = [
            { plumb_curl_setopt_string(self.handle, CURLOPT_URL, url) },
            { plumb_curl_setopt_long(self.handle, CURLOPT_NOSIGNAL, 1) },
            { plumb_curl_setopt_string(self.handle, CURLOPT_PROTOCOLS_STR, "http,https") },
            { plumb_curl_setopt_long(self.handle, CURLOPT_CONNECTTIMEOUT_MS, self.configuration.connectTimeout.roundedUpMilliseconds) },
            { plumb_curl_setopt_long(self.handle, CURLOPT_TIMEOUT_MS, timeout.roundedUpMilliseconds) },
            { plumb_curl_setopt_string(self.handle, CURLOPT_USERAGENT, self.configuration.userAgent) },
            { plumb_curl_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, self.errorBuffer) },
            { plumb_curl_setopt_slist(self.handle, CURLOPT_HTTPHEADER, headerList) },
            { plumb_curl_setopt_write_function(self.handle, Transfer.receiveBody) },
            { plumb_curl_setopt_pointer(self.handle, CURLOPT_WRITEDATA, context) },
            { plumb_curl_setopt_header_function(self.handle, Transfer.receiveHeader) },
            { plumb_curl_setopt_pointer(self.handle, CURLOPT_HEADERDATA, context) },
            { plumb_curl_setopt_xferinfo_function(self.handle, Transfer.progress) },
            { plumb_curl_setopt_pointer(self.handle, CURLOPT_XFERINFODATA, context) },
            { plumb_curl_setopt_long(self.handle, CURLOPT_NOPROGRESS, 0) },
        ]
        switch method {
        case "GET": options.append { plumb_curl_setopt_long(self.handle, CURLOPT_HTTPGET, 1) }
        case "HEAD": options.append { plumb_curl_setopt_long(self.handle, CURLOPT_NOBODY, 1) }
        default: options.append { plumb_curl_setopt_string(self.handle, CURLOPT_CUSTOMREQUEST, method) }
        }
        if let caFile = configuration.caFile {
            options.append { plumb_curl_setopt_string(self.handle, CURLOPT_CAINFO, caFile) }
        }
        for option in options {
            let result = option()
            if result != CURLE_OK { return result }
        }
        return CURLE_OK
    }
}

/// The state of one transfer that libcurl's callbacks fill in.
private final class Transfer {
    let cancellation: CancellationFlag
    var body = Data()
    var headers: [HTTPHeader] = []

    init(cancellation: CancellationFlag) {
        self.cancellation = cancellation
    }

    static func from(_ context: UnsafeMutableRawPointer?) -> Transfer {
        Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    }

    /// CURLOPT_WRITEFUNCTION: append body bytes.
    static let receiveBody: plumb_curl_data_callback = { data, size, count, context in
        let length = size * count
        if length > 0, let data {
            from(context).body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
        }
        return length
    }

    /// CURLOPT_HEADERFUNCTION: one header line per call; a status line starts a new header block
    /// (after a 100 Continue or a proxy's answer only the last block is kept).
    static let receiveHeader: plumb_curl_data_callback = { data, size, count, context in
        let length = size * count
        guard length > 0, let data else { return length }
        let transfer = from(context)
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            transfer.headers = []
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            transfer.headers.append(HTTPHeader(name: name, value: value))
        }
        return length
    }

    /// CURLOPT_XFERINFOFUNCTION: called at least once a second; a non-zero return aborts the transfer.
    static let progress: plumb_curl_xferinfo_callback = { context, _, _, _, _ in
        from(context).cancellation.isSet ? 1 : 0
    }
}

/// A thread-safe, one-way flag.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
