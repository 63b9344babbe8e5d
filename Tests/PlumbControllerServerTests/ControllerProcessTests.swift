import Foundation
import PlumbHTTPClient
import PlumbModel
import PlumbTestSupport
import XCTest

/// `plumb-controller` as a real process: the embedded default on a fresh data directory, a given
/// database, clean SIGTERM, and clear failures for bad flags and a port in use.
final class ControllerProcessTests: XCTestCase {
    func testEmbeddedDefaultStartsServesAndStopsItsPostgres() throws {
        let controller = try ControllerProcess(databaseURL: nil)
        defer { controller.stop() }
        let postmaster = controller.dataDirectory.appendingPathComponent("postgres/data/postmaster.pid")
        XCTAssertTrue(FileManager.default.fileExists(atPath: postmaster.path), "the embedded cluster runs in the data directory")
        let tokenMode = try FileManager.default.attributesOfItem(atPath: controller.dataDirectory.appendingPathComponent("admin.token").path)[.posixPermissions] as? Int
        XCTAssertEqual(tokenMode, 0o600)

        let admin = controller.adminClient()
        _ = try admin.putFacility(TestFacilityForProcesses.facility)
        _ = try controller.cogsClient().materialize(id: "p1", spec: TestFacilityForProcesses.spec)
        XCTAssertEqual(try admin.materializations().materializations.map(\.id), ["p1"])

        let pid = try String(contentsOf: postmaster, encoding: .utf8).split(separator: "\n").first.flatMap { pid_t($0) }
        XCTAssertNotNil(pid)
        XCTAssertEqual(controller.stop(), 0, controller.logText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: postmaster.path), "PostgreSQL stopped with the controller")
        if let pid { XCTAssertTrue(Self.exits(pid, limit: 20), "the postmaster is gone") }
        XCTAssertTrue(controller.logText.contains("stopped PostgreSQL"), controller.logText)
    }

    func testGivenDatabaseAndSigtermDuringALongPoll() throws {
        let controller = try ControllerProcess(databaseURL: try TestPostgres.shared.makeDatabase())
        defer { controller.stop() }
        let admin = controller.adminClient()
        _ = try admin.putFacility(TestFacilityForProcesses.facility)
        let agent = controller.client(token: try admin.issueHostToken(host: "hv0").token, totalTimeout: .seconds(120))
        guard case .changed(let document) = try agent.desired(host: "hv0", after: nil) else { return XCTFail("expected a document") }
        let poll = Thread.detachedResult { try agent.desired(host: "hv0", after: document.generation, wait: .seconds(600)) }
        let metrics = HTTPClient()
        let deadline = Date(timeIntervalSinceNow: 20)
        while !String(decoding: try metrics.send(method: "GET", url: controller.baseURL + "/metrics").body, as: UTF8.self)
            .contains("\nplumb_long_polls_held 1\n") {
            guard Date() < deadline else { return XCTFail("the poll was never held") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertEqual(controller.stop(limit: 20), 0, controller.logText)
        XCTAssertEqual(try poll.value(limit: 20), .notModified, "a held poll ends cleanly with 304 on shutdown")
    }

    func testSigtermWhileTheEmbeddedClusterStartsStillStopsIt() throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("plumb-controller-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        let child = try LoggedProcess(executable: ControllerProcess.executable,
                                      arguments: ["--listen", "127.0.0.1:0", "--data-dir", dataDirectory.path])
        defer { child.kill() }
        XCTAssertTrue(child.waitForLog(containing: "creating PostgreSQL cluster", limit: 60), child.logText)
        kill(child.process.processIdentifier, SIGTERM)
        XCTAssertTrue(child.waitForExit(limit: 120), child.logText)
        XCTAssertEqual(child.exitStatus, 0, child.logText)
        XCTAssertTrue(child.logText.contains("stopped before serving"), child.logText)
        XCTAssertFalse(child.logText.contains("listening address="), child.logText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("postgres/data/postmaster.pid").path),
                       "the cluster was stopped")
    }

    func testBadFlagsAndPortInUseFailClearly() throws {
        let running = try ControllerProcess(databaseURL: try TestPostgres.shared.makeDatabase())
        defer { running.stop() }
        for (arguments, expected) in [(["--listen", "nonsense"], "--listen must be HOST:PORT"),
                                      (["--log-format", "xml"], "--log-format must be text or json"),
                                      (["--unresponsive-after=-3"], "--unresponsive-after must be a positive number")] {
            let result = try runController(arguments + ["--database-url", running.databaseURL!])
            XCTAssertEqual(result.status, 64, result.output)
            XCTAssertTrue(result.output.contains(expected), result.output)
        }
        let busy = try runController(["--listen", "127.0.0.1:\(running.port)", "--database-url", running.databaseURL!,
                                      "--data-dir", running.dataDirectory.path])
        XCTAssertNotEqual(busy.status, 0)
        XCTAssertTrue(busy.output.contains("cannot listen on 127.0.0.1:\(running.port)"), busy.output)
        let unreachable = try runController(["--database-url", "postgresql:///nope?host=/nonexistent&connect_timeout=2",
                                             "--data-dir", running.dataDirectory.path, "--listen", "127.0.0.1:0"])
        XCTAssertNotEqual(unreachable.status, 0)
        XCTAssertTrue(unreachable.output.contains("cannot use the database"), unreachable.output)
    }

    /// Waits at most `limit` seconds until process `pid` has ended (gone, or a zombie nobody reaped yet).
    private static func exits(_ pid: pid_t, limit: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: limit)
        while Date() < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let close = stat.lastIndex(of: ")"), stat[stat.index(close, offsetBy: 2)] == "Z" { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Runs the controller to completion (bounded) and answers its exit status and standard error.
    private func runController(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ControllerProcess.executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let reader = Thread.detachedResult { output.fileHandleForReading.readDataToEndOfFile() }
        let deadline = Date(timeIntervalSinceNow: 60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            XCTFail("plumb-controller \(arguments) did not exit within 60 s")
        }
        process.waitUntilExit()
        let text = String(decoding: (try? reader.value(limit: 10)) ?? Data(), as: UTF8.self)
        return (process.terminationStatus, text)
    }
}

/// The one-hypervisor facility the process tests declare.
enum TestFacilityForProcesses {
    static let facility = TestFacility.facility()
    static let spec = TestFacility.spec()
}

/// The value of a closure run on a thread of its own, awaited with a bound.
final class DetachedResult<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, Error>?

    fileprivate func finish(_ value: Result<Value, Error>) {
        condition.lock()
        result = value
        condition.broadcast()
        condition.unlock()
    }

    /// The closure's value (or error); throws a timeout after `limit` seconds.
    func value(limit: TimeInterval) throws -> Value {
        let deadline = Date(timeIntervalSinceNow: limit)
        condition.lock()
        defer { condition.unlock() }
        while result == nil {
            guard condition.wait(until: deadline) else { throw DetachedResultTimeout() }
        }
        return try result!.get()
    }
}

struct DetachedResultTimeout: Error {}

extension Thread {
    /// Runs `body` on a new thread; its result is awaited with ``DetachedResult/value(limit:)``.
    static func detachedResult<Value>(_ body: @escaping () throws -> Value) -> DetachedResult<Value> {
        let result = DetachedResult<Value>()
        Thread.detachNewThread { result.finish(Result { try body() }) }
        return result
    }
}
