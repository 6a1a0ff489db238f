import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the API server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @OptionGroup var storage: StorageOptions
    @Flag(help: "Create (once) a demo distributor, reseller, customers and access keys, and print them.") var demo = false
    @Option(help: "Flow control: requests per second per API per caller (0 turns it off).") var rateLimit = 10
    @Option(help: "IAM token lifetime in seconds.") var tokenTtl = 86400
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "Base URL browsers reach this server at, for SSO and the console (env PARTNER_CENTER_PUBLIC_URL; default http://HOST:PORT).")
    var publicUrl: String? = ProcessInfo.processInfo.environment["PARTNER_CENTER_PUBLIC_URL"]
    @Option(help: "SAML SP entity ID (default https://auth.huaweicloud.com/, or PUBLIC_URL/ when --public-url is set).") var samlEntityId: String?
    @Option(help: "PEM file with the SAML SP private key (with --saml-cert; default: generated once, kept sealed in the database).") var samlKey: String?
    @Option(help: "PEM file with the SAML SP certificate.") var samlCert: String?
    @Option(help: "Days a yearly/monthly resource stays in its grace period after expiry (recorded for every instance and the CLI).") var graceDays = Lifecycle.defaultGraceDays
    @Option(help: "Days of retention (frozen) after the grace period, before the resource is released.") var retentionDays = Lifecycle.defaultRetentionDays
    @Option(help: "Seconds between lifecycle sweeps (renewals, expiries; safe with many instances); 0 turns the sweep off.") var lifecycleInterval = 60

    func run() async throws {
        try await guarded {
            guard let level = Logger.Level(rawValue: logLevel) else { throw ConfigError("unknown log level \(logLevel)") }
            guard (1...65535).contains(port) else { throw ConfigError("--port must be 1-65535") }
            guard rateLimit >= 0 else { throw ConfigError("--rate-limit must be 0 or more") }
            guard tokenTtl >= 60 else { throw ConfigError("--token-ttl must be at least 60 seconds") }
            guard (0...365).contains(graceDays), (0...365).contains(retentionDays) else { throw ConfigError("--grace-days and --retention-days must be 0-365") }
            guard lifecycleInterval >= 0 else { throw ConfigError("--lifecycle-interval must be 0 or more") }
            var logger = Logger(label: "partner-center")
            logger.logLevel = level
            let platform = try await Platform.open(databaseURL: storage.database, masterKeyFile: storage.masterKeyFile, logger: logger)
            do {
                try await serve(platform, logger: logger)
                await platform.close()
            } catch {
                await platform.close()
                throw error
            }
        }
    }

    /// What a sandbox user meets first when paging fast: Huawei's default of 10 calls a second.
    static func flowControlLine(_ limit: Int) -> String {
        limit == 0
            ? "flow control: off (--rate-limit 0)"
            : "flow control: \(limit) requests/s per API per caller, then 429 APIGW.0308; raise it with --rate-limit N, 0 turns it off (make run RATE_LIMIT=0)"
    }

    func serve(_ platform: Platform, logger: Logger) async throws {
        if demo {
            let creds = try await Demo.seed(platform)
            var lines = ["", "partner-center demo data (\(storage.database))", "  endpoint: http://\(host):\(port)"]
            for c in creds {
                lines += ["  \(c.role) \(c.domainName)", "    domain_id:  \(c.domainID)", "    access_key: \(c.accessKey)",
                          "    secret_key: \(c.secretKey)", "    password:   \(c.password)"]
                if let x = c.xaccountType { lines.append("    xaccount_type: \(x)") }
            }
            lines += ["  customers: demo-customer-01 and demo-customer-02 (of demo-partner), demo-customer-03 (of demo-reseller); password \(Demo.password)",
                      "  " + Self.flowControlLine(rateLimit)]
            // Written straight to the descriptor so it shows at once even when stdout is a file.
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n\n").utf8))
        }
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.rateLimit = rateLimit
        options.tokenTTLSeconds = tokenTtl
        options.publicURL = publicUrl
        options.spEntityID = samlEntityId
        switch (samlKey, samlCert) {
        case let (key?, cert?):
            options.spKeys = try SigningKeyPair(keyPEM: try String(contentsOfFile: key, encoding: .utf8),
                                                certPEM: try String(contentsOfFile: cert, encoding: .utf8)).validated()
        case (nil, nil):
            // The SP key is made (once, for every instance) before the first browser arrives.
            _ = try await platform.saml.spKeyPair()
        default: throw ConfigError("--saml-key and --saml-cert go together")
        }
        // The CLI's `saml idp enable-builtin` registers built-in IdPs at the URL recorded here.
        let wildcard = ["0.0.0.0", "::", "[::]", ""].contains(host)
        try await platform.saml.recordServedURL(publicUrl == nil && wildcard ? nil : options.ssoConfig.publicURL)
        logger.info("starting", metadata: ["database": .string(platform.database.url.description), "address": .string("\(host):\(port)")])
        try await Lifecycle.record(platform.database, graceDays: graceDays, retentionDays: retentionDays)
        let app = Server.application(platform: platform, options: options, logger: logger)
        // What falls due (renewals, expiries) is done at least once a minute by whichever
        // instance gets there first; each event re-checks its state, so none is done twice.
        let lifecycle = Lifecycle(database: platform.database, graceDays: graceDays, retentionDays: retentionDays)
        let interval = lifecycleInterval
        let sweeper = Task {
            guard interval > 0 else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                if Task.isCancelled { break }
                do {
                    let report = try await lifecycle.run()
                    if report.total > 0 { logger.info("lifecycle", metadata: ["events": .string(String(report.total))]) }
                } catch {
                    logger.error("lifecycle sweep failed", metadata: ["error": .string(String(describing: error))])
                }
            }
        }
        defer { sweeper.cancel() }
        // runService handles SIGTERM/SIGINT: stop accepting, finish in-flight requests, exit.
        try await app.runService()
    }
}
