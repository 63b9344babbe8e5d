// swift-tools-version:6.0
import PackageDescription

/// Builds `swift-openapi-generator` for `scripts/generate-api.sh`, outside the main package graph: the
/// generated code is committed, so neither CI nor the main build ever builds the generator.
let package = Package(
    name: "PlumbAPIGenerator",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3"),
    ]
)
