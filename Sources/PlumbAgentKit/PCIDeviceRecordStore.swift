import Foundation
import PlumbModel

/// The agent's records of PCI devices it took over, one JSON file per device under
/// `<stateDirectory>/pci/<address>.json`.
///
/// The kernel keeps no mark of who bound a device to `vfio-pci` or set `sriov_numvfs`, nor which driver a
/// passed-through device had, so these records are what lets a restarted agent release exactly what it took
/// and give each device back to its original driver. A record is written before the device is touched and
/// removed after it is given back.
public struct PCIDeviceRecordStore: Sendable {
    public let directory: String

    public init(stateDirectory: String) { self.directory = "\(stateDirectory)/pci" }

    /// Every record; none when the directory does not exist yet.
    public func load() throws -> [PCIAddress: PCIDeviceRecord] {
        guard FileManager.default.fileExists(atPath: directory) else { return [:] }
        var records: [PCIAddress: PCIDeviceRecord] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".json") {
            guard let address = PCIAddress(String(file.dropLast(".json".count))) else { continue }
            let path = "\(directory)/\(file)"
            do {
                records[address] = try JSONDecoder().decode(PCIDeviceRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw PCIDeviceRecordError(path: path, message: "unreadable record: \(error)")
            }
        }
        return records
    }

    /// Writes (or replaces) the record of `address`, atomically.
    public func save(_ record: PCIDeviceRecord, for address: PCIAddress) throws {
        let path = "\(directory)/\(address).json"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(record).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw PCIDeviceRecordError(path: path, message: "cannot write record: \(error)")
        }
    }

    /// Removes the record of `address`, if there is one.
    public func remove(_ address: PCIAddress) throws {
        let path = "\(directory)/\(address).json"
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw PCIDeviceRecordError(path: path, message: "cannot remove record: \(error)")
        }
    }
}

/// A record file that could not be read, written or removed.
public struct PCIDeviceRecordError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
