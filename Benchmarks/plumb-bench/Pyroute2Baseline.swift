import Foundation

/// pyroute2 (from PyPI, in a virtual environment under `~/.cache/plumb-bench`) building and tearing down the same
/// plumbing on one netlink socket, run inside the namespace with `ip netns exec`. The script times only its netlink
/// and ioctl work (not the interpreter's start-up).
struct Pyroute2Baseline {
    let python: String
    let script: String
    let document: String

    /// Creates the virtual environment and installs pyroute2 if needed; throws a reason when it cannot (no pip, no
    /// network), which the benchmark prints instead of a result.
    static func prepare(scenario: AgentApplyScenario, directory: URL) throws -> Pyroute2Baseline {
        let home = FileManager.default.homeDirectoryForCurrentUser
        let venv = home.appendingPathComponent(".cache/plumb-bench/pyroute2-venv")
        let python = venv.appendingPathComponent("bin/python").path
        if !FileManager.default.isExecutableFile(atPath: python)
            || (try? ProcessRunner.run(python, ["-c", "import pyroute2"])) == nil {
            try FileManager.default.createDirectory(at: venv.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard let system = ProcessRunner.locate(["/usr/bin/python3", "/usr/local/bin/python3"])
                ?? ProcessRunner.locate(ProcessInfo.processInfo.environment["PATH", default: ""].split(separator: ":").map { "\($0)/python3" })
            else { throw Unavailable("no python3 found") }
            do {
                try ProcessRunner.run(system, ["-m", "venv", venv.path])
                try ProcessRunner.run("/usr/bin/timeout", ["300", python, "-m", "pip", "install", "--quiet", "pyroute2"])
            } catch {
                throw Unavailable("pip could not install pyroute2 (\(error))")
            }
        }
        let script = directory.appendingPathComponent("pyroute2_bench.py")
        try Self.source.write(to: script, atomically: true, encoding: .utf8)
        let document = directory.appendingPathComponent("pyroute2-document.json")
        try JSONSerialization.data(withJSONObject: scenario.pyroute2Document).write(to: document)
        return Pyroute2Baseline(python: python, script: script.path, document: document.path)
    }

    /// Milliseconds pyroute2 spent on `mode` (`apply` or `teardown`) in `namespace`.
    func run(_ mode: String, namespace: String, directory: URL) throws -> Double {
        let output = directory.appendingPathComponent("pyroute2-output.json").path
        try ProcessRunner.run(ProcessRunner.ip, ["netns", "exec", namespace, python, script, mode, document], output: output)
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let seconds = object["seconds"] as? Double else {
            throw Unavailable("the pyroute2 script printed no time")
        }
        return seconds * 1000
    }

    /// Why a baseline could not run.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static let source = #"""
    # Applies or tears down the plumbing of plumb-bench agent-apply with pyroute2 on one netlink socket, in the
    # network namespace it runs in. Prints {"seconds": ...}: the time of the netlink and ioctl work only.
    import json
    import sys
    import time

    from pyroute2 import IPRoute

    mode, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        doc = json.load(f)
    mtu, group = doc["mtu"], doc["group"]
    ipr = IPRoute()
    start = time.perf_counter()
    if mode == "apply":
        underlay = ipr.link_lookup(ifname=doc["underlay"])[0]
        for network in doc["networks"]:
            vni = network["vni"]
            bridge, vxlan = "plbr%d" % vni, "plvx%d" % vni
            alias = "plumb:vni %d" % vni
            ipr.link("add", ifname=bridge, kind="bridge", mtu=mtu, group=group)
            bridge_index = ipr.link_lookup(ifname=bridge)[0]
            ipr.link("set", index=bridge_index, ifalias=alias, state="up")
            ipr.link("add", ifname=vxlan, kind="vxlan", vxlan_id=vni, vxlan_local=doc["local"], vxlan_port=4789,
                     vxlan_learning=0, vxlan_link=underlay, mtu=mtu, group=group)
            vxlan_index = ipr.link_lookup(ifname=vxlan)[0]
            ipr.link("set", index=vxlan_index, ifalias=alias, master=bridge_index, state="up")
            for dst in network["flood"]:
                ipr.fdb("append", ifindex=vxlan_index, lladdr="00:00:00:00:00:00", dst=dst)
            for tap in network["taps"]:
                ipr.link("add", ifname=tap["name"], kind="tuntap", mode="tap", uid=doc["owner"], gid=doc["owner_group"],
                         ifr={"no_pi": 1, "vnet_hdr": 1})
                index = ipr.link_lookup(ifname=tap["name"])[0]
                ipr.link("set", index=index, mtu=mtu, group=group, ifalias=tap["alias"], master=bridge_index, state="up")
                ipr.brport("set", index=index, isolated=1)
    elif mode == "teardown":
        names = [tap["name"] for network in doc["networks"] for tap in network["taps"]]
        names += ["plvx%d" % n["vni"] for n in doc["networks"]] + ["plbr%d" % n["vni"] for n in doc["networks"]]
        for name in names:
            ipr.link("del", index=ipr.link_lookup(ifname=name)[0])
    else:
        sys.exit("mode must be apply or teardown")
    seconds = time.perf_counter() - start
    ipr.close()
    print(json.dumps({"seconds": seconds}))
    """#
}
