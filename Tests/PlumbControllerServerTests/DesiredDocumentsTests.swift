import Foundation
import NIOCore
import PlumbController
@testable import PlumbControllerServer
import XCTest

/// The documents the long polls are served: fetched in bulk, one statement per batch, kept by
/// (host, generation), never served older than a generation the caller knows, bounded by bytes.
final class DesiredDocumentsTests: XCTestCase {
    /// A stand-in for the database: the current generation of each host, and every fetch it answered.
    private final class FakeDatabase: @unchecked Sendable {
        private let lock = NSLock()
        private var generations: [String: Int64]
        private var fetched: [[String]] = []
        init(_ generations: [String: Int64]) { self.generations = generations }

        func set(_ name: String, _ generation: Int64) { lock.withLock { generations[name] = generation } }
        var fetches: [[String]] { lock.withLock { fetched } }

        func fetch(_ kind: HostKey.Kind, _ names: [String]) async throws -> [String: DesiredDocument] {
            lock.withLock {
                fetched.append(names.sorted())
                var documents: [String: DesiredDocument] = [:]
                for name in names {
                    guard let generation = generations[name] else { continue }
                    documents[name] = DesiredDocument(host: HostKey(kind: kind, name: name), generation: generation,
                                                      json: Data(#"{"host":"\#(name)","generation":\#(generation)}"#.utf8))
                }
                return documents
            }
        }
    }

    func testAWakeUpBurstIsOneFetchAndTheBytesAreShared() async throws {
        let database = FakeDatabase(Dictionary(uniqueKeysWithValues: (0..<500).map { ("hv\($0)", Int64(2)) }))
        let documents = DesiredDocuments(coalescing: .milliseconds(20)) { try await database.fetch($0, $1) }
        // Two polls per host, all woken together.
        let served = try await withThrowingTaskGroup(of: DesiredDocuments.Served?.self) { group in
            for index in 0..<1000 {
                group.addTask { try await documents.document(.hypervisor("hv\(index % 500)"), atLeast: 2) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(served.compactMap { $0 }.count, 1000)
        XCTAssertEqual(database.fetches.count, 1, "one statement for the burst")
        XCTAssertEqual(database.fetches.first?.count, 500, "each host fetched once")
        // Served again from memory: no statement.
        let again = try await documents.document(.hypervisor("hv7"), atLeast: 2)
        XCTAssertEqual(again.map { String(buffer: $0.body) }, #"{"host":"hv7","generation":2}"#)
        XCTAssertEqual(database.fetches.count, 1)
        let (hits, misses) = (await documents.hits, await documents.misses)
        XCTAssertEqual(hits, 1)
        XCTAssertEqual(misses, 1000)
    }

    func testNeverOlderThanTheGenerationTheCallerKnows() async throws {
        let database = FakeDatabase(["hv0": 3])
        let documents = DesiredDocuments(coalescing: .zero) { try await database.fetch($0, $1) }
        let first = try await documents.document(.hypervisor("hv0"), atLeast: 3)
        XCTAssertEqual(first?.generation, 3)
        database.set("hv0", 4)
        // The caller read generation 4: the kept document of 3 does not answer it.
        let second = try await documents.document(.hypervisor("hv0"), atLeast: 4)
        XCTAssertEqual(second?.generation, 4)
        // An announced rise drops the older document, and what is asked for later is at least that.
        database.set("hv0", 5)
        await documents.announce(GenerationNotice(host: .hypervisor("hv0"), generation: 5))
        let announced = await documents.announcedGeneration(of: .hypervisor("hv0"))
        XCTAssertEqual(announced, 5)
        let third = try await documents.document(.hypervisor("hv0"), atLeast: 1)
        XCTAssertEqual(third?.generation, 5)
        XCTAssertEqual(database.fetches.count, 3)
        // Unknown hosts: nil, and nothing kept.
        let unknown = try await documents.document(.leaf("nope"), atLeast: 1)
        XCTAssertNil(unknown)
    }

    func testBoundedByBytesLeastRecentlyServedFirst() async throws {
        let database = FakeDatabase(Dictionary(uniqueKeysWithValues: (0..<100).map { ("hv\($0)", Int64(1)) }))
        // About 30 bytes per document: room for about ten.
        let documents = DesiredDocuments(capacity: 300, coalescing: .zero) { try await database.fetch($0, $1) }
        for index in 0..<100 {
            _ = try await documents.document(.hypervisor("hv\(index)"), atLeast: 1)
            _ = try await documents.document(.hypervisor("hv0"), atLeast: 1)  // kept in use
        }
        let (bytes, count) = (await documents.cachedBytes, await documents.count)
        XCTAssertLessThanOrEqual(bytes, 300)
        XCTAssertGreaterThan(count, 0)
        let fetchesBefore = database.fetches.count
        _ = try await documents.document(.hypervisor("hv0"), atLeast: 1)
        XCTAssertEqual(database.fetches.count, fetchesBefore, "the most recently served document stays")
        _ = try await documents.document(.hypervisor("hv1"), atLeast: 1)
        XCTAssertEqual(database.fetches.count, fetchesBefore + 1, "an old one was evicted")
    }
}
