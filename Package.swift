// swift-tools-version:6.0
import PackageDescription

/// Plumb: the controller, the agent and their shared libraries.
///
/// Layout: `Sources/` holds the libraries (wire model, PostgreSQL adapter, controller logic,
/// HTTP server, libcurl client, netlink layer, agent planner and appliers), the C module maps and
/// one small C shim per C library; `controller/` and `agent/` hold the two executables.
let package = Package(
    name: "Plumb",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "plumb-controller", targets: ["plumb-controller"]),
        .executable(name: "plumb-agent", targets: ["plumb-agent"]),
        .executable(name: "plumbctl", targets: ["plumbctl"]),
        .library(name: "PlumbModel", targets: ["PlumbModel"]),
        .library(name: "PlumbAPI", targets: ["PlumbAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.20.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        // C libraries, and one small C shim for each (what the Swift importer drops), so that a binary
        // links only the C libraries it uses.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CNetlink", path: "Sources/CNetlink", pkgConfig: "libnl-route-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CPostgresShim", dependencies: ["CLibPQ"]),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .target(name: "CNetShim"),
        .target(name: "CSpawnShim"),
        .target(name: "CMallocShim"),

        // Shared libraries.
        .target(name: "PlumbModel"),
        // The API's wire types, server protocol and client, generated from controller/openapi.json by
        // scripts/generate-api.sh and committed (GeneratedAPITests fails when they are stale).
        .target(name: "PlumbAPI", dependencies: [
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
        ], swiftSettings: [
            // Its `public import`s warn on Swift 6.3 (220 warnings; the generated `@diagnose` that silences them
            // needs 6.4), and generated code is fixed by regenerating, never by hand.
            .unsafeFlags(["-suppress-warnings"]),
        ]),
        .target(name: "PlumbLogging", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(name: "PlumbPostgres", dependencies: [
            "CLibPQ", "CPostgresShim", "CSpawnShim",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "PlumbController", dependencies: [
            "PlumbModel", "PlumbPostgres",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ], plugins: ["EmbedSQL"]),
        .target(name: "PlumbControllerServer", dependencies: [
            "PlumbModel", "PlumbController", "PlumbAPI",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "PlumbHTTPClient", dependencies: [
            "PlumbModel", "CCurl", "CCurlShim",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PlumbNetlink", dependencies: [
            "CNetlink", "CNetShim", "PlumbModel",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "PlumbAgentKit", dependencies: [
            "PlumbModel", "PlumbNetlink", "PlumbHTTPClient",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The controller carries sql/ (migrations and function files), embedded at build time: sql/ is
        // the only copy.
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["plumb-embed-sql"]),
        .executableTarget(name: "plumb-embed-sql", path: "Tools/plumb-embed-sql"),

        // Executables.
        .executableTarget(name: "plumb-controller", dependencies: [
            "PlumbControllerServer", "PlumbController", "PlumbPostgres", "PlumbModel", "PlumbLogging", "CMallocShim",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "controller/Sources"),
        .executableTarget(name: "plumb-agent", dependencies: [
            "PlumbAgentKit", "PlumbModel", "PlumbLogging",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "agent/Sources"),
        .executableTarget(name: "plumbctl", dependencies: [
            "PlumbHTTPClient", "PlumbModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "plumbctl/Sources"),
        /// Attaches to a tap by name (as QEMU does) and sends or receives Ethernet frames: the demo's and
        /// the end-to-end tests' stand-in for a VM.
        .executableTarget(name: "plumb-tap", dependencies: [
            "CNetShim", "PlumbModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tests/Tools/plumb-tap"),
        /// The benchmarks of issue 5: one executable, one subcommand per benchmark, each printing a table.
        .executableTarget(name: "plumb-bench", dependencies: [
            "PlumbController", "PlumbPostgres", "PlumbAgentKit", "PlumbNetlink", "PlumbHTTPClient", "PlumbModel", "PlumbTestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/plumb-bench"),

        // Tests: pure unit tests, then integration tests that need PostgreSQL or root.
        .target(name: "PlumbTestSupport", dependencies: [
            "PlumbPostgres", "PlumbHTTPClient", "PlumbModel",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/PlumbTestSupport"),
        .testTarget(name: "PlumbModelTests", dependencies: ["PlumbModel"]),
        .testTarget(name: "PlumbAPITests", dependencies: [
            "PlumbAPI",
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
        ]),
        .testTarget(name: "PlumbControllerTests", dependencies: ["PlumbController", "PlumbModel"]),
        .testTarget(name: "PlumbAgentTests", dependencies: ["PlumbAgentKit", "PlumbNetlink", "PlumbModel", "PlumbTestSupport"]),
        .testTarget(name: "PlumbControllerIntegrationTests", dependencies: [
            "PlumbControllerServer", "PlumbController", "PlumbPostgres", "PlumbHTTPClient", "PlumbModel", "PlumbTestSupport",
        ]),
        .testTarget(name: "PlumbControllerServerTests", dependencies: [
            "PlumbControllerServer", "PlumbController", "PlumbPostgres", "PlumbHTTPClient", "PlumbModel", "PlumbTestSupport", "PlumbAPI",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "PlumbAgentIntegrationTests", dependencies: [
            "PlumbAgentKit", "PlumbNetlink", "PlumbHTTPClient", "PlumbModel", "PlumbTestSupport",
        ]),
        .testTarget(name: "PlumbEndToEndTests", dependencies: [
            "PlumbHTTPClient", "PlumbModel", "PlumbPostgres", "PlumbTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
