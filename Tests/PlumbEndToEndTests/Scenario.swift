import Foundation
import PlumbModel

/// The experiments of the scenario: the demo's own files (`scripts/demo/experiment-{a,b}.json`), so the demo
/// shows what the tests check.
///
/// A: network `lan` with a1 (hv1), a2 (hv2), a3 (hv3) and a4 (hv1, isolated from a1), network `link` between
/// a1 and a2. B: network `lan` (allow_local) with b1 (hv1), b2 (hv2), b3 (hv3), b4 (hv1).
enum Scenario {
    static var experimentA: MaterializationSpec { get throws { try load("experiment-a.json") } }
    static var experimentB: MaterializationSpec { get throws { try load("experiment-b.json") } }

    private static func load(_ name: String) throws -> MaterializationSpec {
        let url = ProductPath.packageRoot.appendingPathComponent("scripts/demo/\(name)")
        return try PlumbJSON.decode(MaterializationSpec.self, from: try Data(contentsOf: url))
    }
}
