import CCurl
import CCurlShim
import Foundation

/// Many concurrent `GET /v1/hosts/{name}/desired?after=G&wait=S` requests on one libcurl multi handle, driven by one
/// thread: lightweight stand-ins for agents waiting on the controller (one connection each, no threads per client).
///
/// The multi handle runs event-driven (`curl_multi_socket_action`): libcurl names the sockets to watch, one `poll(2)`
/// watches them, and only the transfer whose socket is ready is advanced. (`curl_multi_perform` walks every transfer
/// on each wake-up, which with thousands of transfers costs the client more than the controller's answers.)
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
        /// The body received (parsed for ``generation`` after the measurement, off the driving thread).
        var body: Data
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
    /// The sockets libcurl asked to watch, and where each sits in `watched`.
    private var watched: [pollfd] = []
    private var watchedIndex: [Int32: Int] = [:]
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` (``Stopwatch/now()`` seconds), if at all.
    private var timerDeadline: Double?

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
        // libcurl calls these back only from curl_multi_socket_action, on the driving thread.
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard plumb_curl_multi_setopt_socket_function(multi, Self.watchSocket, context) == CURLM_OK,
              plumb_curl_multi_setopt_timer_function(multi, Self.setTimer, context) == CURLM_OK else {
            throw BenchmarkFailure("curl_multi_setopt failed")
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
        var arrived = answers
        lock.unlock()
        stopped.wait()
        for index in arrived.indices where arrived[index].status == 200 {
            let object = try? JSONSerialization.jsonObject(with: arrived[index].body) as? [String: Any]
            arrived[index].generation = (object?["generation"] as? NSNumber)?.int64Value
        }
        return arrived
    }

    private func drive() {
        defer { stopped.signal() }
        var active: Int32 = 0
        // Kick off: libcurl starts connecting and registers its sockets and timer through the callbacks.
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &active)
        collectFinished()
        while lock.withLock({ running }) && !transfers.isEmpty && answers.count < transfers.count {
            let now = Stopwatch.now()
            let untilTimer = timerDeadline.map { max(0, Int32(($0 - now) * 1000)) } ?? 50
            let ready = poll(&watched, nfds_t(watched.count), min(untilTimer, 50))
            if ready > 0 {
                // The callbacks reshape `watched` while libcurl acts: act on a copy of what is ready.
                let events = watched.filter { $0.revents != 0 }.map { ($0.fd, Self.curlEvents($0.revents)) }
                for (socket, flags) in events {
                    curl_multi_socket_action(multi, socket, flags, &active)
                }
            }
            if let timerDeadline, Stopwatch.now() >= timerDeadline {
                self.timerDeadline = nil
                curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &active)
            }
            collectFinished()
        }
    }

    /// Records every transfer libcurl reports done.
    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                  let transfer = transfers[Int(bitPattern: handle)] else { continue }
            finish(transfer, result: message.pointee.data.result)
        }
    }

    /// `poll(2)` events as `CURL_CSELECT_*` flags.
    private static func curlEvents(_ revents: Int16) -> Int32 {
        var flags: Int32 = 0
        if revents & Int16(POLLIN) != 0 { flags |= CURL_CSELECT_IN }
        if revents & Int16(POLLOUT) != 0 { flags |= CURL_CSELECT_OUT }
        if revents & Int16(POLLERR | POLLHUP) != 0 { flags |= CURL_CSELECT_ERR }
        return flags
    }

    private func finish(_ transfer: Transfer, result: CURLcode) {
        let now = Stopwatch.now()
        var status = 0
        _ = plumb_curl_getinfo_long(transfer.handle, CURLINFO_RESPONSE_CODE, &status)
        let failure = result == CURLE_OK ? nil : String(cString: curl_easy_strerror(result))
        lock.withLock {
            answers.append(Answer(host: transfer.host, status: result == CURLE_OK ? status : 0, generation: nil,
                                  finishedAt: now, body: transfer.body, failure: failure))
            lock.broadcast()
        }
    }

    /// CURLMOPT_SOCKETFUNCTION: watch `socket` for what libcurl waits on, or stop watching it.
    private static let watchSocket: plumb_curl_socket_callback = { _, socket, what, context, _ in
        guard let context else { return 0 }
        let set = Unmanaged<LongPollSet>.fromOpaque(context).takeUnretainedValue()
        if what == CURL_POLL_REMOVE {
            if let index = set.watchedIndex.removeValue(forKey: socket) {
                let last = set.watched.removeLast()
                if index < set.watched.count {
                    set.watched[index] = last
                    set.watchedIndex[last.fd] = index
                }
            }
            return 0
        }
        var events: Int16 = 0
        if what == CURL_POLL_IN || what == CURL_POLL_INOUT { events |= Int16(POLLIN) }
        if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { events |= Int16(POLLOUT) }
        if let index = set.watchedIndex[socket] {
            set.watched[index].events = events
        } else {
            set.watchedIndex[socket] = set.watched.count
            set.watched.append(pollfd(fd: socket, events: events, revents: 0))
        }
        return 0
    }

    /// CURLMOPT_TIMERFUNCTION: when libcurl next wants a timeout action (-1: none).
    private static let setTimer: plumb_curl_timer_callback = { _, milliseconds, context in
        guard let context else { return 0 }
        let set = Unmanaged<LongPollSet>.fromOpaque(context).takeUnretainedValue()
        set.timerDeadline = milliseconds < 0 ? nil : Stopwatch.now() + Double(milliseconds) / 1000
        return 0
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
