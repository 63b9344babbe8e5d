import PlumbAgentKit
import PlumbModel

/// A host with one VXLAN network (two taps, two remote VTEPs, one static MAC) and the kernel state that
/// matches it exactly, written out by hand, for the planner tests.
enum PlannerFixture {
    static let configuration = AgentConfiguration(sysfsRoot: "/nonexistent", stateDirectory: "/nonexistent")
    static let group = AgentConfiguration.defaultLinkGroup
    static let local = IPv4Address("198.18.0.1")!
    static let remoteB = IPv4Address("198.18.0.2")!
    static let remoteC = IPv4Address("198.18.0.3")!
    static let remoteMAC = MACAddress("02:00:00:00:bb:01")!
    static let networkAlias = "plumb:vni 7001"

    static func tap(_ name: String, vm: String) -> HostDesiredState.Tap {
        HostDesiredState.Tap(name: name, mac: MACAddress("02:00:00:00:aa:01")!, materialization: "mz1", vm: vm, nic: "eth0")
    }

    static var network: HostDesiredState.Network {
        HostDesiredState.Network(vni: 7001, isolated: true, flood: [remoteB, remoteC],
                                 fdb: [HostDesiredState.FDBEntry(mac: remoteMAC, vtep: remoteB)],
                                 taps: [tap("pltap1", vm: "vm1"), tap("pltap2", vm: "vm2")])
    }

    static var desired: HostDesiredState {
        HostDesiredState(host: "hv1", generation: 3,
                         vtep: HostDesiredState.VTEP(localIp: local, underlayNic: "eth0", underlayMtu: 1500),
                         networks: [network])
    }

    /// Devices that are not Plumb's and that every observed host has.
    static let baseLinks = [
        ObservedLink(index: 1, name: "lo", kind: .other(nil), mtu: 65536),
        ObservedLink(index: 2, name: "eth0", kind: .other(nil), mtu: 1500),
    ]

    /// The kernel state after `desired` was applied.
    static var converged: ObservedHost {
        ObservedHost(links: baseLinks + [
            ObservedLink(index: 10, name: "plbr7001", kind: .bridge, mtu: 1450, group: group, alias: networkAlias),
            ObservedLink(index: 11, name: "plvx7001", kind: .vxlan, masterIndex: 10, mtu: 1450, group: group, alias: networkAlias,
                         vxlan: ObservedVXLAN(vni: 7001, local: local, port: 4789, learning: false, underlayIndex: 2),
                         isolated: false),
            ObservedLink(index: 12, name: "pltap1", kind: .tap, masterIndex: 10, mtu: 1450, group: group,
                         alias: "plumb:mz1/vm1/eth0", isolated: true),
            ObservedLink(index: 13, name: "pltap2", kind: .tap, masterIndex: 10, mtu: 1450, group: group,
                         alias: "plumb:mz1/vm2/eth0", isolated: true),
        ], fdb: [
            ObservedFDBEntry(index: 11, mac: .zero, dst: remoteB),
            ObservedFDBEntry(index: 11, mac: .zero, dst: remoteC),
            ObservedFDBEntry(index: 11, mac: remoteMAC, dst: remoteB),
        ])
    }

    static func plan(_ desired: HostDesiredState, _ observed: ObservedHost,
                     configuration: AgentConfiguration = PlannerFixture.configuration) -> Plan {
        Planner.plan(desired: desired, observed: observed, configuration: configuration)
    }

    /// Replaces the observed link named `name` by what `change` makes of it.
    static func changing(_ host: ObservedHost, _ name: String, _ change: (inout ObservedLink) -> Void) -> ObservedHost {
        var host = host
        let index = host.links.firstIndex { $0.name == name }!
        change(&host.links[index])
        return host
    }
}
