import CCurl
import CCurlShim
import Foundation

/// Many concurrent `GET /v1/hosts/{name}/desired?after=G&wait=S` requests on one libcurl multi handle, driven by one
/// thread: lightweight stand-ins for agents waiting on the controller (one connection each, no threads per client).
final class LongPollSet: @unchecked Sendable {
    /// What one poll came back with.
    struct Answer {
        var host: String
        /// HTTP status, or 0 when the transfer failed.
        var status: Int
        /// The `generation` of the document answered (nil for a 304 or a failure).
        var generation: Int64?
        /// When the answer was complete (``Stopwatch/now()`` seconds).
        var finishedAt: Double
        /// libcurl's reason when the transfer failed.
        var failure: String?
    }

    private final class Transfer {
        let host: String
        let handle: UnsafeMutableRawPointer
        var body = Data()
        init(host: String, handle: UnsafeMutableRawPointer) {
            self.host = host
            self.handle = handle
        }
    }

    private let multi: UnsafeMutableRawPointer
    private var transfers: [Int: Transfer] = [:]
    private var headers: UnsafeMutablePointer<curl_slist>?
    private let lock = NSCondition()
    private var answers: [Answer] = []
    private var running = false
    private let stopped = DispatchSemaphore(value: 0)

    /// Prepares one poll per host: `after[host]`, held at most `waitSeconds` by the controller.
    init(baseURL: String, token: String, after: [String: Int64], waitSeconds: Int) throws {
        guard let multi = curl_multi_init() else { throw BenchmarkFailure("curl_multi_init failed") }
        self.multi = multi
        headers = curl_slist_append(nil, "Authorization: Bearer \(token)")
        for (host, generation) in after {
            guard let handle = curl_easy_init() else { throw BenchmarkFailure("curl_easy_init failed") }
            let transfer = Transfer(host: host, handle: handle)
            let context = Unmanaged.passUnretained(transfer).toOpaque()
            let url = "\(baseURL)/v1/hosts/\(host)/desired?after=\(generation)&wait=\(waitSeconds)"
            let codes = [
                plumb_curl_setopt_string(handle, CURLOPT_URL, url),
                plumb_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
                plumb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, (waitSeconds + 30) * 1000),
                plumb_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers),
                plumb_curl_setopt_write_function(handle, Self.receiveBody),
                plumb_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context),
            ]
            guard codes.allSatisfy({ $0 == CURLE_OK }) else { throw BenchmarkFailure("curl_easy_setopt failed") }
            transfers[Int(bitPattern: handle)] = transfer
        }
    }

    deinit {
        for transfer in transfers.values {
            curl_multi_remove_handle(multi, transfer.handle)
            curl_easy_cleanup(transfer.handle)
        }
        curl_multi_cleanup(multi)
        curl_slist_free_all(headers)
    }

    var count: Int { transfers.count }

    /// Starts every poll and drives them on a thread of their own until all have answered.
    func start() {
        for transfer in transfers.values { curl_multi_add_handle(multi, transfer.handle) }
        running = true
        let thread = Thread { [self] in drive() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits at most `limit` seconds for every answer, stops the driving thread, and answers what has arrived.
    func waitForAll(limit: TimeInterval) -> [Answer] {
        let deadline = Date(timeIntervalSinceNow: limit)
        lock.lock()
        while answers.count < transfers.count, lock.wait(until: deadline) {}
        running = false
        let arrived = answers
        lock.unlock()
        stopped.wait()
        return arrived
    }

    private func drive() {
        defer { stopped.signal() }
        var active: Int32 = 1
        while active > 0 && lock.withLock({ running }) {
            curl_multi_perform(multi, &active)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                      let transfer = transfers[Int(bitPattern: handle)] else { continue }
                finish(transfer, result: message.pointee.data.result)
            }
            var ready: Int32 = 0
            curl_multi_poll(multi, nil, 0, 50, &ready)
        }
    }

    private func finish(_ transfer: Transfer, result: CURLcode) {
        let now = Stopwatch.now()
        var status = 0
        _ = plumb_curl_getinfo_long(transfer.handle, CURLINFO_RESPONSE_CODE, &status)
        var generation: Int64?
        if status == 200, let object = try? JSONSerialization.jsonObject(with: transfer.body) as? [String: Any] {
            generation = (object["generation"] as? NSNumber)?.int64Value
        }
        let failure = result == CURLE_OK ? nil : String(cString: curl_easy_strerror(result))
        lock.withLock {
            answers.append(Answer(host: transfer.host, status: result == CURLE_OK ? status : 0, generation: generation,
                                  finishedAt: now, failure: failure))
            lock.broadcast()
        }
    }

    /// CURLOPT_WRITEFUNCTION: collect the body.
    private static let receiveBody: plumb_curl_data_callback = { data, size, count, context in
        guard let data, let context else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
        transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
        return size * count
    }
}

/// A benchmark could not set up or carry out its measurement.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
