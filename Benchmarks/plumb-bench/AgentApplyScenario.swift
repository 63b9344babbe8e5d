import PlumbAgentKit
import PlumbModel

/// The host of the agent-apply benchmark: `nics` virtio NICs (taps) spread over `networks` VXLAN networks, each with
/// `flood` remote VTEPs, on an underlay `ul0` with address 198.18.0.1, and the same plumbing as the `ip`/`bridge`
/// commands a shell-out agent would run (one step per kernel operation).
struct AgentApplyScenario {
    let nics: Int
    let networks: Int
    let flood: Int
    let configuration: AgentConfiguration

    static let local = IPv4Address("198.18.0.1")!
    static let underlay = "ul0"
    static let underlayMtu = 1500
    static let tapOwner: UInt32 = 4242
    static let tapGroup: UInt32 = 4343

    var mtu: Int { configuration.overlayMTU(underlayMtu: Self.underlayMtu) }
    var group: UInt32 { configuration.linkGroup }

    static func vni(_ network: Int) -> Int { 10_000 + network }
    static func tapName(_ index: Int) -> String { "pltap\(index)" }
    static func floodVTEP(_ index: Int) -> IPv4Address { IPv4Address(value: local.value + 1 + UInt32(index)) }

    /// The taps of network `network`: NICs are dealt round-robin.
    func taps(of network: Int) -> [HostDesiredState.Tap] {
        stride(from: network, to: nics, by: networks).map { index in
            HostDesiredState.Tap(name: Self.tapName(index), mac: MACAddress(value: 0x0200_0000_0000 + UInt64(index) + 1),
                                 materialization: "bench", vm: "vm\(index)", nic: "eth0")
        }
    }

    /// What the controller would send for this host.
    var desired: HostDesiredState {
        HostDesiredState(
            host: "bench", generation: 1,
            vtep: HostDesiredState.VTEP(localIp: Self.local, underlayNic: Self.underlay, underlayMtu: Self.underlayMtu),
            networks: (0..<networks).map { network in
                HostDesiredState.Network(vni: Self.vni(network), isolated: true, flood: (0..<flood).map(Self.floodVTEP),
                                         fdb: [], taps: taps(of: network))
            })
    }

    /// The alias the agent gives a tap (iproute2 and pyroute2 set the same).
    func alias(of tap: HostDesiredState.Tap) -> String {
        "\(configuration.aliasPrefix)\(tap.materialization)/\(tap.vm)/\(tap.nic)"
    }

    func networkAlias(_ network: Int) -> String { "\(configuration.aliasPrefix)vni \(Self.vni(network))" }

    /// The `ip`/`bridge` commands that build the same plumbing from nothing: per network a bridge and a VXLAN device
    /// (created, then alias, master and up in one request) and its flood entries; per tap `ip tuntap add`, one
    /// `ip link set` (MTU, group, alias, master, up) and `bridge link set … isolated on`.
    var applySteps: [IPStep] {
        var steps: [IPStep] = []
        for network in 0..<networks {
            let vni = Self.vni(network), bridge = configuration.bridgeName(vni: vni), vxlan = configuration.vxlanName(vni: vni)
            let shared = networkAlias(network)
            steps.append(.ip("link", "add", "name", bridge, "mtu", "\(mtu)", "group", "\(group)", "type", "bridge"))
            steps.append(.ip("link", "set", "dev", bridge, "alias", shared, "up"))
            steps.append(.ip("link", "add", "name", vxlan, "mtu", "\(mtu)", "group", "\(group)", "type", "vxlan", "id", "\(vni)",
                             "local", "\(Self.local)", "dstport", "\(configuration.vxlanPort)", "nolearning", "dev", Self.underlay))
            steps.append(.ip("link", "set", "dev", vxlan, "alias", shared, "master", bridge, "up"))
            for index in 0..<flood {
                steps.append(.bridge("fdb", "append", "00:00:00:00:00:00", "dev", vxlan, "dst", "\(Self.floodVTEP(index))"))
            }
            for tap in taps(of: network) {
                steps.append(.ip("tuntap", "add", "dev", tap.name, "mode", "tap", "vnet_hdr",
                                 "user", "\(Self.tapOwner)", "group", "\(Self.tapGroup)"))
                steps.append(.ip("link", "set", "dev", tap.name, "mtu", "\(mtu)", "group", "\(group)", "alias", alias(of: tap),
                                 "master", bridge, "up"))
                steps.append(.bridge("link", "set", "dev", tap.name, "isolated", "on"))
            }
        }
        return steps
    }

    /// One `ip link del` per device: taps, then VXLAN devices, then bridges (the order the agent deletes in).
    var teardownSteps: [IPStep] {
        let vnis = (0..<networks).map(Self.vni)
        let names = (0..<nics).map(Self.tapName) + vnis.map(configuration.vxlanName) + vnis.map(configuration.bridgeName)
        return names.map { .ip("link", "del", "dev", $0) }
    }

    /// The document the pyroute2 script reads.
    var pyroute2Document: [String: Any] {
        [
            "mtu": mtu, "group": Int(group), "local": "\(Self.local)", "underlay": Self.underlay,
            "owner": Int(Self.tapOwner), "owner_group": Int(Self.tapGroup),
            "networks": (0..<networks).map { network -> [String: Any] in
                [
                    "vni": Self.vni(network), "flood": (0..<flood).map { "\(Self.floodVTEP($0))" },
                    "taps": taps(of: network).map { ["name": $0.name, "alias": alias(of: $0)] },
                ]
            },
        ]
    }
}

/// One iproute2 command: the tool and its arguments.
struct IPStep: Equatable {
    enum Tool: String { case ip, bridge }
    var tool: Tool
    var arguments: [String]

    static func ip(_ arguments: String...) -> IPStep { IPStep(tool: .ip, arguments: arguments) }
    static func bridge(_ arguments: String...) -> IPStep { IPStep(tool: .bridge, arguments: arguments) }

    /// The line for `ip -batch` / `bridge -batch` (arguments with spaces double-quoted).
    var batchLine: String {
        arguments.map { $0.contains(" ") ? "\"\($0)\"" : $0 }.joined(separator: " ")
    }
}
