import Foundation
import Logging
import PlumbController
import PlumbModel
import PlumbPostgres
import PlumbTestSupport
import XCTest

/// Base of the controller logic tests: a fresh, migrated database on the test cluster per test.
class StoreTestCase: XCTestCase {
    var store: ControllerStore!
    var pool: PostgresPool!
    /// The libpq URL of this test's database.
    var databaseURL: String!

    /// Seconds without a report after which a host is unresponsive, for the store of each test.
    var unresponsiveAfter: TimeInterval { 3600 }

    override func setUp() async throws {
        try await super.setUp()
        let url = try TestPostgres.shared.makeDatabase()
        databaseURL = url
        pool = PostgresPool(configuration: PostgresConfiguration(url: url, size: 4), logger: Logger(label: "test.postgres"))
        store = ControllerStore(pool: pool, configuration: ControllerConfiguration(unresponsiveAfter: unresponsiveAfter),
                                logger: Logger(label: "test.store"))
        try await store.migrate()
    }

    override func tearDown() async throws {
        await pool?.shutdown()
        store = nil
        pool = nil
        try await super.tearDown()
    }

    /// The API error `body` throws, failing the test if it throws nothing or something else.
    func refusal(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async -> APIError? {
        do {
            try await body()
            XCTFail("expected a refusal", file: file, line: line)
            return nil
        } catch let error as APIError {
            return error
        } catch {
            XCTFail("expected an APIError, got \(error)", file: file, line: line)
            return nil
        }
    }

    /// Asserts `body` is refused with this status, code and field.
    func assertRefused(_ status: Int, _ code: String, field: String?, file: StaticString = #filePath, line: UInt = #line,
                       _ body: () async throws -> Void) async {
        guard let error = await refusal(body, file: file, line: line) else { return }
        XCTAssertEqual(error.status, status, "\(error)", file: file, line: line)
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertEqual(error.field, field, "\(error)", file: file, line: line)
    }

    /// Runs one query on the test database and returns its rows.
    func rows(_ sql: String, _ parameters: [PostgresBindable?] = []) async throws -> [PostgresRow] {
        try await pool.withConnection { try $0.query(sql, parameters).rows }
    }

    /// One integer from a query answering one row and column `value`.
    func count(_ sql: String, _ parameters: [PostgresBindable?] = []) async throws -> Int {
        try await rows(sql, parameters)[0].int("value")
    }

    /// Everything a refused request could have left behind, to compare before and after.
    func allocationSnapshot() async throws -> [String] {
        try await rows("""
            SELECT format('%s %s %s %s', kind, value, scope, state) AS line FROM plumb.current_allocations
            UNION ALL SELECT format('history %s', count(*)) FROM plumb.allocation_history
            UNION ALL SELECT format('materializations %s', count(*)) FROM plumb.materializations
            UNION ALL SELECT format('host %s %s %s', kind, name, generation) FROM plumb.hosts
            ORDER BY 1
            """).map { try $0.string("line") }
    }

    /// Reports, for every host, that it applied its current generation (what agents do).
    func reportAllApplied() async throws {
        for host in try await store.hosts().hosts {
            try await store.reportStatus(HostKey(kind: host.kind, name: host.name),
                                         report: HostStatusReport(appliedGeneration: host.generation))
        }
    }

    /// Declares ``Fixture/facility()`` and returns it.
    @discardableResult
    func declareFacility(_ facility: Facility = Fixture.facility()) async throws -> Facility {
        try await store.putFacility(facility).facility
    }
}

/// The testbed most tests run on.
///
/// - leaf0 (VTEP 198.18.0.1, VLANs 100–109, 100 reserved; 802.1Q unless asked otherwise) with hv0 (reserves 101) and hv1
/// - leaf1 (VTEP 198.18.0.2, VLANs 100–199) with hv2
/// - hv0: eno1 underlay, 4 VFs, may not mix; eno2 8 VFs, stacks tags; eno3 passthrough only;
///   eno4 2 VFs or passthrough, stacks tags
/// - hv1: eno1 underlay, 4 VFs, may mix; eno2 passthrough only
/// - hv2: no NICs of its own
/// - VNIs 7000–7099, 7001 reserved
enum Fixture {
    static func facility(vniRange: ClosedRange<Int> = 7000...7099, leaf0Protocol: VLANProtocol = .dot1q) -> Facility {
        Facility(
            vniRanges: [Facility.NumberRange(first: vniRange.lowerBound, last: vniRange.upperBound)],
            reservedVnis: [7001],
            leaves: [
                Facility.Leaf(name: "leaf0", vtepIp: IPv4Address("198.18.0.1")!,
                              vlanRange: Facility.NumberRange(first: 100, last: 109), reservedVlans: [100],
                              vlanProtocol: leaf0Protocol),
                Facility.Leaf(name: "leaf1", vtepIp: IPv4Address("198.18.0.2")!,
                              vlanRange: Facility.NumberRange(first: 100, last: 199)),
            ],
            hypervisors: [
                Facility.Hypervisor(
                    name: "hv0", vtepIp: IPv4Address("198.18.1.1")!, leaf: "leaf0", underlayNic: "eno1", underlayMtu: 9000,
                    reservedVlans: [101],
                    nics: [
                        Facility.NIC(name: "eno1", pciAddress: PCIAddress("0000:3b:00.0")!, leafPort: "swp1", vfLimit: 4, mayMix: false),
                        Facility.NIC(name: "eno2", pciAddress: PCIAddress("0000:3b:00.1")!, leafPort: "swp2", vfLimit: 8,
                                     canStackVlans: true),
                        Facility.NIC(name: "eno3", pciAddress: PCIAddress("0000:5e:00.0")!, leafPort: "swp3", passthrough: true),
                        Facility.NIC(name: "eno4", pciAddress: PCIAddress("0000:5e:00.1")!, leafPort: "swp4", vfLimit: 2,
                                     canStackVlans: true, passthrough: true),
                    ]),
                Facility.Hypervisor(
                    name: "hv1", vtepIp: IPv4Address("198.18.1.2")!, leaf: "leaf0", underlayNic: "eno1",
                    nics: [
                        Facility.NIC(name: "eno1", pciAddress: PCIAddress("0000:3b:00.0")!, leafPort: "swp11", vfLimit: 4),
                        Facility.NIC(name: "eno2", pciAddress: PCIAddress("0000:3b:00.1")!, leafPort: "swp12", passthrough: true),
                    ]),
                Facility.Hypervisor(name: "hv2", vtepIp: IPv4Address("198.18.1.3")!, leaf: "leaf1"),
            ])
    }

    /// A spec with one network per name and one VM per entry of `vms`: (name, hypervisor, NICs).
    static func spec(networks: [MaterializationSpec.Network],
                     vms: [(String, String, [MaterializationSpec.NIC])]) -> MaterializationSpec {
        MaterializationSpec(networks: networks,
                            vms: vms.map { MaterializationSpec.VM(name: $0.0, hypervisor: $0.1, nics: $0.2) })
    }

    /// One network `net`, one VM on `hypervisor` with NICs of these mechanisms on it.
    static func simple(_ mechanisms: [Mechanism], hypervisor: String = "hv0", guestVlans: Bool = false) -> MaterializationSpec {
        spec(networks: [MaterializationSpec.Network(name: "net", guestVlans: guestVlans)],
             vms: [("vm", hypervisor, mechanisms.map { MaterializationSpec.NIC(network: "net", mechanism: $0) })])
    }
}
