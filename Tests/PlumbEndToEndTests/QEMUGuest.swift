import Foundation
import PlumbModel
import PlumbTestSupport

/// The guest image `scripts/guest-image.sh` builds: Debian's kernel and a busybox initramfs whose /init configures
/// its NICs from the kernel command line and runs commands sent on its console.
struct GuestImage {
    let kernel: String
    let initramfs: String

    /// The image in `$PLUMB_GUEST_CACHE` or /var/cache/plumb-guest, built there first if needed (from Debian's
    /// packages; a few seconds when they are cached); nil with the reason when it cannot be.
    static func prepare() -> (image: GuestImage?, problem: String?) {
        guard let output = try? NetworkNamespace.Command.execute(ProductPath.script("guest-image.sh"), []) else {
            return (nil, "scripts/guest-image.sh could not be run")
        }
        guard output.status == 0, let directory = output.standardOutput.split(separator: "\n").last.map(String.init) else {
            return (nil, "scripts/guest-image.sh failed (exit \(output.status)): \(output.standardError.suffix(600))")
        }
        return (GuestImage(kernel: directory + "/vmlinuz", initramfs: directory + "/initramfs.gz"), nil)
    }
}

/// One QEMU guest (TCG, direct kernel boot, serial console on standard input and output) in a hypervisor's
/// namespace, started with the NIC arguments Plumb rendered, and a way to run shell commands in it.
final class QEMUGuest {
    let name: String
    let process = Process()
    private let input = Pipe()
    private let output: PipeText
    private var nextCommand = 1
    let startedAt = Date()

    static var qemu: String? {
        ["/usr/bin/qemu-system-x86_64", "/usr/local/bin/qemu-system-x86_64"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Boots `image` in namespace `namespace`, with `nicArguments` (exactly as rendered) and the guest's addresses
    /// (`plumb.eth0=10.77.0.1/24` ...) on its kernel command line.
    init(name: String, namespace: String, image: GuestImage, nicArguments: [String], addresses: [String: String]) throws {
        self.name = name
        guard let qemu = Self.qemu else { throw TapProbeError(message: "qemu-system-x86_64 is not installed") }
        let append = (["console=ttyS0", "quiet", "panic=-1"] + addresses.sorted { $0.key < $1.key }.map { "plumb.\($0.key)=\($0.value)" })
            .joined(separator: " ")
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") { process.executableURL = URL(fileURLWithPath: "/sbin/ip") }
        process.arguments = ["netns", "exec", namespace, qemu, "-nographic", "-no-reboot", "-m", "192", "-smp", "1",
                             "-accel", "tcg", "-kernel", image.kernel, "-initrd", image.initramfs, "-append", append] + nicArguments
        let out = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = out
        try process.run()
        output = PipeText(out)
    }

    /// The console's text so far, without carriage returns.
    var console: String { output.contents.replacingOccurrences(of: "\r", with: "") }

    /// Waits until /init has configured the NICs and serves commands; throws with the console after `limit` seconds.
    func waitUntilReady(limit: TimeInterval) throws -> TimeInterval {
        guard output.wait(limit: limit, until: { $0.contains("PLUMB-GUEST-READY") }) else {
            throw TapProbeError(message: "guest \(name) not ready within \(Int(limit)) s:\n\(console.suffix(3000))")
        }
        return Date().timeIntervalSince(startedAt)
    }

    /// Runs `command` with `sh -c` in the guest; its output (standard output and error) and exit status.
    @discardableResult
    func run(_ command: String, limit: TimeInterval = 60) throws -> (output: String, status: Int) {
        let id = "c\(nextCommand)"
        nextCommand += 1
        let before = console.count
        input.fileHandleForWriting.write(Data("\(id) \(command)\n".utf8))
        let marker = try NSRegularExpression(pattern: "@@\(id) ([0-9]+)@@")
        var result: (String, Int)?
        _ = output.wait(limit: limit) { raw in
            let text = String(raw.replacingOccurrences(of: "\r", with: "").dropFirst(before))
            guard let match = marker.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                  let statusRange = Range(match.range(at: 1), in: text), let whole = Range(match.range, in: text) else { return false }
            result = (String(text[..<whole.lowerBound]), Int(text[statusRange]) ?? -1)
            return true
        }
        guard let result else {
            throw TapProbeError(message: "guest \(name): '\(command)' did not finish within \(Int(limit)) s:\n\(console.suffix(2000))")
        }
        return result
    }

    /// Stops the guest (SIGKILL: nothing in it needs a clean shutdown) and waits for QEMU to exit.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        let deadline = Date(timeIntervalSinceNow: 30)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }
}
