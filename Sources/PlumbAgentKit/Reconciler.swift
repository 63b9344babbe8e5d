import Logging
import PlumbModel
import PlumbNetlink

/// Makes this host's kernel match a desired state: reads it (one link dump, one address dump, one FDB dump, the few sysfs files of
/// the PCI devices in play), plans with the pure `Planner`, and carries the plan out over one netlink socket and sysfs.
///
/// The socket lives in the network namespace of the thread that creates the reconciler; use the reconciler from
/// that thread (taps are created through `/dev/net/tun` in the calling thread's namespace). Not thread-safe.
public final class Reconciler {
    public let configuration: AgentConfiguration
    let logger: Logger
    let socket: NetlinkSocket
    let sysfs: Sysfs
    let records: PCIDeviceRecordStore

    /// Opens the netlink socket; throws the `NetlinkError` if netlink refuses (for example without privileges).
    public init(configuration: AgentConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.socket = try NetlinkSocket(logger: logger)
        self.sysfs = Sysfs(root: configuration.sysfsRoot)
        self.records = PCIDeviceRecordStore(stateDirectory: configuration.stateDirectory)
    }

    /// What would change to reach `desired`, read from the host once; changes nothing.
    public func plan(_ desired: HostDesiredState) throws -> [Operation] {
        try fullPlan(desired).operations
    }

    /// The plan for `desired` with the items the planner refuses (an unowned device in the way, a missing PCI device, …).
    public func fullPlan(_ desired: HostDesiredState) throws -> Plan {
        Planner.plan(desired: desired, observed: try observe(desired), configuration: configuration)
    }

    /// Reads the host, plans and carries the plan out. A failing item is reported and the rest still applied;
    /// throws only when the host cannot be read.
    public func apply(_ desired: HostDesiredState) throws -> ApplyReport {
        let observed = try observe(desired)
        let report = carryOut(Planner.plan(desired: desired, observed: observed, configuration: configuration), observed: observed)
        logger.info("applied desired state", metadata: [
            "generation": "\(desired.generation)", "operations": "\(report.operations.count)", "errors": "\(report.errors.count)",
        ])
        return report
    }

    /// Removes everything Plumb owns on this host: its devices, the VF counts it set, the devices it passed through.
    public func cleanup() throws -> ApplyReport {
        let observed = try observe(nil)
        let report = carryOut(Planner.cleanup(observed: observed, configuration: configuration), observed: observed)
        logger.info("cleaned up", metadata: ["operations": "\(report.operations.count)", "errors": "\(report.errors.count)"])
        return report
    }

    /// Runs a plan made from `observed`; the plan's item errors come first in the report.
    private func carryOut(_ plan: Plan, observed: ObservedHost) -> ApplyReport {
        carryOut(plan, links: observed.links)
    }

    /// Runs a plan made when the devices were `links`; the plan's item errors come first in the report.
    func carryOut(_ plan: Plan, links: [ObservedLink]) -> ApplyReport {
        var report = execute(plan.operations, indexes: Dictionary(links.map { ($0.name, $0.index) }) { first, _ in first })
        report.errors = plan.errors + report.errors
        return report
    }

    /// The physical NICs found (from sysfs), with their VF limit, current VFs and driver; devices Plumb passed
    /// through (which have no interface while bound to `vfio-pci`) are listed by the name they had.
    public func inventory() throws -> HostStatusReport.Inventory {
        var nics: [HostStatusReport.Inventory.NIC] = []
        var listed = Set<PCIAddress>()
        let passedThrough = try records.load().filter { $0.value.role == .passthrough }
        let found = try sysfs.physicalNetworkDevices().map { ($0.name, $0.address) }
            + passedThrough.map { ($0.value.name ?? "\($0.key)", $0.key) }.sorted { $0.1 < $1.1 }
        for (name, address) in found where listed.insert(address).inserted {
            guard let device = try sysfs.device(address) else { continue }
            nics.append(HostStatusReport.Inventory.NIC(
                name: name, pciAddress: address, vfLimit: device.totalVFs ?? 0,
                vfPciAddresses: device.virtualFunctions.sorted { $0.key < $1.key }.map(\.value), driver: device.driver))
        }
        return HostStatusReport.Inventory(nics: nics)
    }

    /// Reads the host once: one link dump, one address dump, one FDB dump, the records, and sysfs for the PCI devices
    /// `desired` names or Plumb has recorded (with the VFs of each PF) and for the device behind each PF's interface.
    public func observe(_ desired: HostDesiredState?) throws -> ObservedHost {
        let ipAddresses = Dictionary(grouping: try socket.addresses(), by: \.index)
        let links = try socket.links().map { ObservedLink($0, addresses: ipAddresses[$0.index] ?? []) }
        let fdb = try socket.bridgeFDB().compactMap(ObservedFDBEntry.init)
        let pciRecords = try records.load()
        var addresses = Set(pciRecords.keys)
        addresses.formUnion(desired?.pfs.map(\.pciAddress) ?? [])
        addresses.formUnion(desired?.passthrough.map(\.pciAddress) ?? [])
        var devices: [PCIAddress: ObservedPCIDevice] = [:]
        for address in addresses {
            guard let device = try sysfs.device(address) else { continue }
            devices[address] = device
            for vf in device.virtualFunctions.values {
                devices[vf] = try sysfs.device(vf)
            }
        }
        var interfaceAddresses: [String: PCIAddress] = [:]
        for pf in desired?.pfs ?? [] { interfaceAddresses[pf.name] = try sysfs.pciAddress(ofInterface: pf.name) }
        // A PF that is no PCI function (netdevsim's) is found through its interface: the document's or, once the
        // document drops it, the one recorded when Plumb took it.
        let interfaces = (desired?.pfs.map { ($0.pciAddress, $0.name) } ?? [])
            + pciRecords.compactMap { address, record in record.role == .sriov ? record.name.map { (address, $0) } : nil }
        for (address, interface) in interfaces where devices[address] == nil {
            devices[address] = try sysfs.nonPCIPF(interface: interface, reportedAs: address)
        }
        return ObservedHost(links: links, fdb: fdb, pciDevices: devices, pciRecords: pciRecords,
                            interfacePCIAddresses: interfaceAddresses)
    }
}
