import Foundation

/// Where the package's executables and scripts are: `.build/debug/NAME` (built by `swift build --build-tests`)
/// and `scripts/NAME` of this checkout.
enum ProductPath {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func executable(_ name: String) -> String {
        packageRoot.appendingPathComponent(".build/debug/\(name)").path
    }

    static func script(_ name: String) -> String {
        packageRoot.appendingPathComponent("scripts/\(name)").path
    }
}
