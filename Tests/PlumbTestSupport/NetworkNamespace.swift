import Foundation
import Glibc

/// A uniquely named network namespace for one test, made with `ip netns add` and removed by `delete()`.
///
/// Use `NetworkNamespace.with { ns in ... }`, which deletes the namespace even when the body throws. Inside,
/// `run` executes a closure on a fresh thread that has joined the namespace (`setns`), and `ip` / `bridge`
/// run iproute2 against it (`-n NAME`) as an independent check of what the code under test did.
public final class NetworkNamespace {
    /// The namespace's name under `/run/netns`.
    public let name: String
    private var deleted = false

    /// Whether the tests run as root, which making namespaces and devices needs.
    public static var isRoot: Bool { geteuid() == 0 }

    private static let counter = NetworkNamespaceCounter()

    /// Creates a namespace named `PREFIX-PID-N-RANDOM`, brings its loopback up and returns it.
    public init(prefix: String = "plumbtest") throws {
        name = "\(prefix)-\(getpid())-\(Self.counter.next())-\(String(UInt16.random(in: .min ... .max), radix: 16))"
        try Command.run("ip", ["netns", "add", name])
        do {
            try Command.run("ip", ["-n", name, "link", "set", "lo", "up"])
        } catch {
            delete()
            throw error
        }
    }

    deinit { delete() }

    /// Makes a namespace, passes it to `body` and deletes it afterwards, whether `body` returns or throws.
    public static func with<T>(prefix: String = "plumbtest", _ body: (NetworkNamespace) throws -> T) throws -> T {
        let namespace = try NetworkNamespace(prefix: prefix)
        defer { namespace.delete() }
        return try body(namespace)
    }

    /// Deletes the namespace (and with it every device inside). Safe to call twice.
    public func delete() {
        guard !deleted else { return }
        deleted = true
        _ = try? Command.execute("ip", ["netns", "delete", name])
    }

    /// Runs `body` on a dedicated thread that has entered this namespace, and returns its result.
    /// The thread ends afterwards, so no other code ever runs in the namespace by accident.
    public func run<T>(_ body: @escaping () throws -> T) throws -> T {
        let path = "/run/netns/\(name)"
        let box = NetworkNamespaceResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            box.result = Result {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw NetworkNamespaceError(message: "open \(path): \(String(cString: strerror(errno)))") }
                defer { close(fd) }
                guard try NetworkNamespace.setns(fd) == 0 else {
                    throw NetworkNamespaceError(message: "setns \(path): \(String(cString: strerror(errno)))")
                }
                return try body()
            }
        }
        thread.start()
        done.wait()
        guard let result = box.result else { throw NetworkNamespaceError(message: "namespace thread produced no result") }
        return try result.get()
    }

    /// `ip -n NAME ARGS...`; throws if it exits non-zero. Returns standard output.
    @discardableResult
    public func ip(_ arguments: String...) throws -> String {
        try Command.run("ip", ["-n", name] + arguments).standardOutput
    }

    /// `bridge -n NAME ARGS...`; throws if it exits non-zero. Returns standard output.
    @discardableResult
    public func bridge(_ arguments: String...) throws -> String {
        try Command.run("bridge", ["-n", name] + arguments).standardOutput
    }

    /// `ip -n NAME -j ARGS...` parsed as a JSON array of objects.
    public func ipJSON(_ arguments: String...) throws -> [[String: Any]] {
        try Self.objects(Command.run("ip", ["-n", name, "-j"] + arguments).standardOutput)
    }

    /// `bridge -n NAME -j ARGS...` parsed as a JSON array of objects.
    public func bridgeJSON(_ arguments: String...) throws -> [[String: Any]] {
        try Self.objects(Command.run("bridge", ["-n", name, "-j"] + arguments).standardOutput)
    }

    /// Parses iproute2's `-j` output: a JSON array of objects (empty output counts as an empty array).
    public static func objects(_ json: String) throws -> [[String: Any]] {
        let trimmed = json.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        guard let array = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [[String: Any]] else {
            throw NetworkNamespaceError(message: "expected a JSON array of objects, got: \(trimmed.prefix(200))")
        }
        return array
    }
}

extension NetworkNamespace {
    /// `CLONE_NEWNET` from <sched.h>.
    private static let cloneNewNet: Int32 = 0x4000_0000

    /// glibc's `setns(2)` wrapper, looked up at run time: Swift's Glibc module does not export it (it is
    /// declared only under `_GNU_SOURCE`).
    fileprivate static func setns(_ fd: Int32) throws -> Int32 {
        typealias SetNS = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "setns") else {  // nil is RTLD_DEFAULT
            throw NetworkNamespaceError(message: "setns is not available in this C library")
        }
        return unsafeBitCast(symbol, to: SetNS.self)(fd, cloneNewNet)
    }
}

/// A failure of the namespace helper itself (not of the code under test).
public struct NetworkNamespaceError: Error, CustomStringConvertible {
    public var message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}

private final class NetworkNamespaceResultBox<T> {
    var result: Result<T, Error>?
}

private final class NetworkNamespaceCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
