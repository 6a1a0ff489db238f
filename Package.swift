// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "partner-center",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "partner-center", targets: ["partner-center"]),
        .library(name: "PartnerCenter", targets: ["PartnerCenter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // libxml2 + libxmlsec1 (OpenSSL engine) from the system: `apt-get install libxmlsec1-dev`.
        .systemLibrary(name: "CXMLSec", path: "Sources/CXMLSec", pkgConfig: "xmlsec1-openssl",
                       providers: [.apt(["libxmlsec1-dev"])]),
        // libqrencode (QR codes) and zlib from the system: `apt-get install libqrencode-dev`.
        .systemLibrary(name: "CQREncode", path: "Sources/CQREncode", pkgConfig: "libqrencode",
                       providers: [.apt(["libqrencode-dev"])]),
        .target(name: "CSAML", dependencies: ["CXMLSec"], path: "Sources/CSAML",
                cSettings: [
                    // What `pkg-config --cflags xmlsec1-openssl` defines; XMLSEC_NO_SIZE_T is part of the ABI.
                    .define("XMLSEC_CRYPTO_OPENSSL", to: "1"), .define("XMLSEC_NO_SIZE_T"),
                    .define("XMLSEC_NO_GOST", to: "1"), .define("XMLSEC_NO_GOST2012", to: "1"),
                    .define("XMLSEC_NO_CRYPTO_DYNAMIC_LOADING", to: "1"), .define("XMLSEC_OPENSSL3_ENGINES", to: "1"),
                    .define("__XMLSEC_FUNCTION__", to: "__func__"),
                    .unsafeFlags(["-I/usr/include/xmlsec1", "-I/usr/include/libxml2"]),
                ],
                linkerSettings: ["xmlsec1-openssl", "xmlsec1", "xml2", "ssl", "crypto", "z"].map { .linkedLibrary($0) }),
        .target(
            name: "PartnerCenter",
            dependencies: [
                "CSAML",
                "CQREncode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "partner-center",
            dependencies: [
                "PartnerCenter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "PartnerCenterTests",
            dependencies: [
                "PartnerCenter",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
