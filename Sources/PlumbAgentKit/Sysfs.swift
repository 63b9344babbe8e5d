import Foundation
import Glibc
import PlumbModel

/// The sysfs files the agent reads and writes for SR-IOV and driver binding, under a configurable root.
///
/// Reads: `sriov_totalvfs`, `sriov_numvfs`, `virtfnN` links, the `driver` link, `driver_override`, `class/net/*/device`
/// for the inventory and for the device behind a PF's interface, and `iommu_group` and `net/` for the attachments
/// reported to the controller. Writes (each returned as a `SysfsWrite`, in order): `sriov_numvfs`,
/// `driver_override`, a driver's `unbind` and `bind`, and `drivers_probe`. Files are never created: a missing
/// attribute (say `drivers/vfio-pci/bind` when vfio-pci is not loaded) is an error, as it is in real sysfs.
public struct Sysfs: Sendable {
    public let root: String

    public init(root: String = "/sys") { self.root = root }

    /// One value written to one file (path relative to the root, value without its trailing newline).
    public struct Write: Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var value: String
        public init(_ path: String, _ value: String) {
            self.path = path
            self.value = value
        }
        public var description: String { "\(value) > \(path)" }
    }

    func devicePath(_ address: PCIAddress) -> String { "bus/pci/devices/\(address)" }
    func driverPath(_ driver: String) -> String { "bus/pci/drivers/\(driver)" }
    func interfaceDevicePath(_ interface: String) -> String { "class/net/\(interface)/device" }

    /// The PCI device at `address`, or nil if sysfs has no such device.
    public func device(_ address: PCIAddress) throws -> ObservedPCIDevice? {
        let path = devicePath(address)
        guard exists(path) else { return nil }
        var virtualFunctions: [Int: PCIAddress] = [:]
        for entry in try list(path) where entry.hasPrefix("virtfn") {
            guard let index = Int(entry.dropFirst("virtfn".count)) else { continue }
            virtualFunctions[index] = try linkedAddress("\(path)/\(entry)")
        }
        let override = try readIfPresent("\(path)/driver_override")
        return ObservedPCIDevice(address: address, driver: try linkTarget("\(path)/driver"),
                                 driverOverride: override == "(null)" || override == "" ? nil : override,
                                 totalVFs: try readInteger("\(path)/sriov_totalvfs"),
                                 numVFs: try readInteger("\(path)/sriov_numvfs"), virtualFunctions: virtualFunctions)
    }

    /// The PCI address of the function behind network interface `name` (`class/net/NAME/device`); nil when the
    /// interface is not in this network namespace's sysfs, has no device (a virtual interface) or one on another bus.
    public func pciAddress(ofInterface name: String) throws -> PCIAddress? {
        try linkTarget(interfaceDevicePath(name)).flatMap(PCIAddress.init)
    }

    /// An SR-IOV PF that is no PCI function, found through its network interface `name`: the device behind the
    /// interface (`class/net/NAME/device`; netdevsim's bus device) when it is on another bus and has `sriov_numvfs`,
    /// reported under `address`, the address the document gives the PF. Nil otherwise: a PCI function is read at its
    /// own address (`device(_:)`).
    public func nonPCIPF(interface name: String, reportedAs address: PCIAddress) throws -> ObservedPCIDevice? {
        let path = interfaceDevicePath(name)
        guard let target = try linkTarget(path), PCIAddress(target) == nil,
              let numVFs = try readInteger("\(path)/sriov_numvfs") else { return nil }
        return ObservedPCIDevice(address: address, driver: try linkTarget("\(path)/driver"),
                                 totalVFs: try readInteger("\(path)/sriov_totalvfs"), numVFs: numVFs, interface: name)
    }

    /// The PCI address of VF `index` of `pf` (its `virtfnN` link).
    public func virtualFunction(pf: PCIAddress, index: Int) throws -> PCIAddress {
        try linkedAddress("\(devicePath(pf))/virtfn\(index)")
    }

    /// Network interfaces backed by a PCI physical function (`class/net/NAME/device`, VFs excluded), by name.
    public func physicalNetworkDevices() throws -> [(name: String, address: PCIAddress)] {
        guard exists("class/net") else { return [] }
        return try list("class/net").sorted().compactMap { name in
            guard !exists("class/net/\(name)/device/physfn"), let target = try linkTarget("class/net/\(name)/device"),
                  let address = PCIAddress(target) else { return nil }
            return (name, address)
        }
    }

    /// The device's IOMMU group (the `iommu_group` link's target, `kernel/iommu_groups/N`): the `/dev/vfio/N` a VM's
    /// process opens for it. Nil when the device has none (no IOMMU).
    public func iommuGroup(_ address: PCIAddress) throws -> Int? {
        let path = "\(devicePath(address))/iommu_group"
        guard let target = try linkTarget(path) else { return nil }
        guard let group = Int(target) else {
            throw SysfsError(path: path, operation: "read link", message: "'\(target)' is not an IOMMU group number")
        }
        return group
    }

    /// The network interfaces of a device (`net/*`): none while it is bound to `vfio-pci`.
    public func networkInterfaces(_ address: PCIAddress) throws -> [String] {
        let path = "\(devicePath(address))/net"
        guard exists(path) else { return [] }
        return try list(path).sorted()
    }

    /// Writes `sriov_numvfs` of the PF at `pf` or, for a PF that is no PCI function, of the device behind its network
    /// `interface`. The caller goes through 0 between two non-zero counts, as the kernel requires.
    @discardableResult
    public func setNumVFs(_ pf: PCIAddress, count: Int, interface: String? = nil) throws -> [Write] {
        try perform([Write("\(interface.map(interfaceDevicePath) ?? devicePath(pf))/sriov_numvfs", String(count))])
    }

    /// Binds a device to `vfio-pci`: sets `driver_override`, unbinds it from its driver, binds it to `vfio-pci`.
    /// Steps already done (after an interrupted run) are skipped.
    @discardableResult
    public func bindToVFIO(_ address: PCIAddress) throws -> [Write] {
        let vfio = "vfio-pci"
        guard let device = try device(address) else {
            throw SysfsError(path: devicePath(address), operation: "bind to vfio-pci", message: "no such PCI device")
        }
        var writes: [Write] = []
        if device.driverOverride != vfio { writes.append(Write("\(devicePath(address))/driver_override", vfio)) }
        if let driver = device.driver, driver != vfio { writes.append(Write("\(driverPath(driver))/unbind", "\(address)")) }
        if device.driver != vfio { writes.append(Write("\(driverPath(vfio))/bind", "\(address)")) }
        return try perform(writes)
    }

    /// Gives a device back: clears `driver_override`, unbinds it from its current driver, and binds it to
    /// `driver` — or, when nil, asks the kernel to probe it (`drivers_probe`), which picks its driver by modalias.
    @discardableResult
    public func giveBack(_ address: PCIAddress, to driver: String?) throws -> [Write] {
        guard let device = try device(address) else {
            throw SysfsError(path: devicePath(address), operation: "give back", message: "no such PCI device")
        }
        var writes: [Write] = []
        if device.driverOverride != nil { writes.append(Write("\(devicePath(address))/driver_override", "")) }
        if let current = device.driver, current != driver { writes.append(Write("\(driverPath(current))/unbind", "\(address)")) }
        if device.driver == nil || device.driver != driver {
            if let driver {
                writes.append(Write("\(driverPath(driver))/bind", "\(address)"))
            } else {
                writes.append(Write("bus/pci/drivers_probe", "\(address)"))
            }
        }
        return try perform(writes)
    }

    // MARK: - Files

    private func absolute(_ path: String) -> String { "\(root)/\(path)" }

    private func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(absolute(path), &status) == 0
    }

    private func list(_ path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: absolute(path))
        } catch {
            throw SysfsError(path: path, operation: "list", message: "\(error.localizedDescription)")
        }
    }

    /// The last component of a symbolic link's target, or nil when there is no link.
    private func linkTarget(_ path: String) throws -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(absolute(path), &buffer, buffer.count - 1)
        if count < 0 {
            if errno == ENOENT { return nil }
            throw SysfsError(path: path, operation: "read link", message: String(cString: strerror(errno)))
        }
        let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    private func linkedAddress(_ path: String) throws -> PCIAddress {
        guard let target = try linkTarget(path), let address = PCIAddress(target) else {
            throw SysfsError(path: path, operation: "read link", message: "does not point at a PCI device")
        }
        return address
    }

    /// A file's content without its trailing newline, or nil when the file does not exist.
    private func readIfPresent(_ path: String) throws -> String? {
        guard exists(path) else { return nil }
        guard let data = FileManager.default.contents(atPath: absolute(path)) else {
            throw SysfsError(path: path, operation: "read", message: "cannot read")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func readInteger(_ path: String) throws -> Int? {
        guard let text = try readIfPresent(path) else { return nil }
        guard let value = Int(text) else { throw SysfsError(path: path, operation: "read", message: "'\(text)' is not a number") }
        return value
    }

    /// Writes each value followed by a newline, as `echo` does, with one `write` per file; stops at the first failure.
    private func perform(_ writes: [Write]) throws -> [Write] {
        for write in writes {
            let fd = open(absolute(write.path), O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else {
                throw SysfsError(path: write.path, operation: "write \(write.value)", message: String(cString: strerror(errno)))
            }
            defer { close(fd) }
            let bytes = Array((write.value + "\n").utf8)
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else {
                let message = written < 0 ? String(cString: strerror(errno)) : "short write"
                throw SysfsError(path: write.path, operation: "write \(write.value)", message: message)
            }
        }
        return writes
    }
}
