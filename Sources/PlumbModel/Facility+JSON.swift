import Foundation

extension Facility {
    /// Hypervisors below which the facility is encoded on one thread.
    static let parallelEncodingThreshold = 512

    /// The facility's wire JSON, byte for byte what ``PlumbJSON/encode(_:)`` writes, written by ``WireJSONEncoder``
    /// with its hypervisors in `parts` slices at once. A facility of thousands of hypervisors is megabytes, and
    /// Foundation's encoder, on one core, was most of the controller's CPU in a facility change.
    ///
    /// With sorted keys `hypervisors` is the facility's first member, so the slices' elements, joined by commas,
    /// go where an empty facility's `"hypervisors":[]` stands. `FacilityJSONTests` holds the bytes equal.
    public func wireJSON(parts: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Data {
        let slices = Swift.max(1, Swift.min(parts, hypervisors.count / (Self.parallelEncodingThreshold / 2)))
        guard hypervisors.count >= Self.parallelEncodingThreshold, slices > 1 else { return try WireJSONEncoder().encode(self) }
        var shell = self
        shell.hypervisors = []
        let empty = try WireJSONEncoder().encode(shell)
        let marker = Data(#"{"hypervisors":[]"#.utf8)
        guard empty.starts(with: marker) else { return try WireJSONEncoder().encode(self) }

        let encoded = SliceResults(count: slices)
        let hypervisors = self.hypervisors
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = hypervisors.count * slice / slices..<hypervisors.count * (slice + 1) / slices
            encoded.set(slice, Result { try WireJSONEncoder().encode(Array(hypervisors[range])) })
        }
        let arrays = try encoded.all()
        var json = Data(#"{"hypervisors":["#.utf8)
        json.reserveCapacity(arrays.reduce(empty.count) { $0 + $1.count })
        for (index, array) in arrays.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(array.dropFirst().dropLast())  // the slice's elements, without its brackets
        }
        json.append(empty.dropFirst(marker.count - 1))  // `]` and the members after `hypervisors`
        return json
    }
}

/// What each slice of a parallel encode gave, written from several threads.
private final class SliceResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<Data, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Data, any Error>) {
        lock.withLock { results[index] = result }
    }

    /// Every slice's bytes in order, or the first slice's error (every slice has run when this is asked).
    func all() throws -> [Data] {
        try lock.withLock { results }.map { result in
            guard let result else { preconditionFailure("a slice of the encode did not run") }
            return try result.get()
        }
    }
}
