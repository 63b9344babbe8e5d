import Foundation
import NIOCore
import PlumbController

/// The desired-state documents this controller serves: computed in bulk, encoded once per
/// (host, generation), and handed as the same bytes to every poll waiting for that host.
///
/// Asking for a document that is not here joins a batch: the hosts asked for within
/// `coalescing` of each other — the polls one notification burst wakes — are fetched with one
/// statement per host kind (``ControllerStore/desiredDocuments(_:names:)``), and while that
/// statement runs the next batch gathers. Only hosts something asks for are fetched: a replica
/// without waiters for a host never computes its document.
///
/// Consistent with the database: an entry is keyed by the host and the generation read in the same
/// statement as its document, and is served only to a caller that knows no newer generation (it
/// passes the generation it read or was announced). Bounded: at most `capacity` bytes of documents,
/// the least recently served evicted first; an announced rise drops the host's older entry at once.
public actor DesiredDocuments {
    /// One document as served.
    public struct Served: Sendable {
        public var generation: Int64
        public var body: ByteBuffer
    }

    /// Fetches the current documents of some hosts of one kind (unknown names left out).
    public typealias Fetch = @Sendable (_ kind: HostKey.Kind, _ names: [String]) async throws -> [String: DesiredDocument]

    private struct Entry {
        var served: Served
        var lastUse: UInt64
    }

    private let fetch: Fetch
    private let capacity: Int
    private let coalescing: Duration
    private var entries: [HostKey: Entry] = [:]
    private var announced: [HostKey: Int64] = [:]
    private var pending: [HostKey: [CheckedContinuation<Served?, any Error>]] = [:]
    private var isFetching = false
    private var useClock: UInt64 = 0

    /// Bytes of documents held now.
    public private(set) var cachedBytes = 0
    /// Documents served from memory, documents that had to be fetched, and the statements that fetched them.
    public private(set) var hits = 0
    public private(set) var misses = 0
    public private(set) var bulkFetches = 0

    /// - Parameters:
    ///   - capacity: the most bytes of documents kept.
    ///   - coalescing: how long a first miss waits for others to join its batch.
    public init(capacity: Int = 64 << 20, coalescing: Duration = .milliseconds(2), fetch: @escaping Fetch) {
        self.capacity = capacity
        self.coalescing = coalescing
        self.fetch = fetch
    }

    /// Fetches from `store`: each document is served as the bytes PostgreSQL wrote it (`plumb.hosts_desired`,
    /// `plumb.leaves_desired`), with no JSON pass in Swift. That the statements write exactly the documented
    /// schema is held by tests (`DesiredDocumentSchemaTests`, `OpenAPITests`), not checked again on each change.
    public init(store: ControllerStore, capacity: Int = 64 << 20, coalescing: Duration = .milliseconds(2)) {
        self.init(capacity: capacity, coalescing: coalescing) { kind, names in
            try await store.desiredDocuments(kind, names: names)
        }
    }

    /// How many documents are held now.
    public var count: Int { entries.count }

    /// The newest generation announced for `host` since this controller started listening (nil: none).
    public func announcedGeneration(of host: HostKey) -> Int64? {
        announced[host]
    }

    /// Takes note of a rise: an older document of the host is never served again.
    public func announce(_ notice: GenerationNotice) {
        if notice.generation > announced[notice.host] ?? .min {
            announced[notice.host] = notice.generation
        }
        if let entry = entries[notice.host], entry.served.generation < notice.generation {
            remove(notice.host)
        }
    }

    /// Forgets everything (the listener reconnected: rises may have gone unannounced).
    public func invalidateAll() {
        entries = [:]
        announced = [:]
        cachedBytes = 0
    }

    /// The host's document at `generation` or newer: from memory, else from the next batch fetched.
    /// nil when the database does not know the host.
    public func document(_ host: HostKey, atLeast generation: Int64) async throws -> Served? {
        let wanted = max(generation, announced[host] ?? .min)
        if var entry = entries[host], entry.served.generation >= wanted {
            hits += 1
            useClock += 1
            entry.lastUse = useClock
            entries[host] = entry
            return entry.served
        }
        misses += 1
        return try await withCheckedThrowingContinuation { continuation in
            pending[host, default: []].append(continuation)
            if !isFetching {
                isFetching = true
                Task { await self.fetchPending() }
            }
        }
    }

    /// Fetches batch after batch until nobody waits: each batch is what gathered while the last one ran.
    private func fetchPending() async {
        if coalescing > .zero { try? await Task.sleep(for: coalescing) }
        while !pending.isEmpty {
            let batch = pending
            pending = [:]
            var found: [HostKey: Served] = [:]
            var failure: (any Error)?
            for (kind, hosts) in Dictionary(grouping: batch.keys, by: \.kind) {
                do {
                    bulkFetches += 1
                    for document in try await fetch(kind, hosts.map(\.name)).values {
                        let served = Served(generation: document.generation, body: ByteBuffer(bytes: document.json))
                        found[document.host] = served
                        keep(document.host, served)
                    }
                } catch {
                    failure = error
                }
            }
            for (host, continuations) in batch {
                if let served = found[host] {
                    continuations.forEach { $0.resume(returning: served) }
                } else if let failure {
                    continuations.forEach { $0.resume(throwing: failure) }
                } else {
                    continuations.forEach { $0.resume(returning: nil) }
                }
            }
        }
        isFetching = false
    }

    /// `plumb_desired_documents_cached{,_bytes}`, `plumb_desired_documents_served_total{from}` and
    /// `plumb_desired_document_fetches_total` in the Prometheus text format.
    public func exposition() -> String {
        """
        # HELP plumb_desired_documents_cached Desired-state documents held encoded for the long polls.
        # TYPE plumb_desired_documents_cached gauge
        plumb_desired_documents_cached \(entries.count)
        # HELP plumb_desired_documents_cached_bytes Bytes of the desired-state documents held.
        # TYPE plumb_desired_documents_cached_bytes gauge
        plumb_desired_documents_cached_bytes \(cachedBytes)
        # HELP plumb_desired_documents_served_total Desired-state documents served, from memory or fetched.
        # TYPE plumb_desired_documents_served_total counter
        plumb_desired_documents_served_total{from="memory"} \(hits)
        plumb_desired_documents_served_total{from="database"} \(misses)
        # HELP plumb_desired_document_fetches_total Statements that fetched desired-state documents in bulk.
        # TYPE plumb_desired_document_fetches_total counter
        plumb_desired_document_fetches_total \(bulkFetches)

        """
    }

    private func keep(_ host: HostKey, _ served: Served) {
        let size = served.body.readableBytes
        guard size <= capacity, served.generation >= announced[host] ?? .min else { return }
        if let existing = entries[host] {
            guard existing.served.generation < served.generation else { return }
            remove(host)
        }
        useClock += 1
        entries[host] = Entry(served: served, lastUse: useClock)
        cachedBytes += size
        if cachedBytes > capacity { evict() }
    }

    /// Drops the least recently served documents until a quarter of the capacity is free again
    /// (so that eviction, which sorts, runs rarely).
    private func evict() {
        let target = capacity - capacity / 4
        for (host, _) in entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
            guard cachedBytes > target else { break }
            remove(host)
        }
    }

    private func remove(_ host: HostKey) {
        guard let entry = entries.removeValue(forKey: host) else { return }
        cachedBytes -= entry.served.body.readableBytes
    }
}
