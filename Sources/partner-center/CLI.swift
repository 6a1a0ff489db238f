import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

@main
struct PartnerCenterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner-center",
        abstract: "Huawei Cloud partner sales platform APIs (BSS), wire compatible with the official SDKs.",
        subcommands: [Serve.self, Migrate.self, Admin.self])
}

/// Options every command that touches storage takes.
struct StorageOptions: ParsableArguments {
    @Option(help: "Database URL: sqlite:PATH or postgres://user:pass@host:port/db (env PARTNER_CENTER_DATABASE).")
    var database: String = ProcessInfo.processInfo.environment["PARTNER_CENTER_DATABASE"] ?? DatabaseURL.defaultURL

    @Option(help: "File holding the base64 master key that seals secret keys (env PARTNER_CENTER_MASTER_KEY wins; SQLite default: master.key beside the database).")
    var masterKeyFile: String?

    /// Opens storage for one command and always closes it, also when the command fails
    /// (an SQLite connection must be closed before it goes away).
    func with<T>(_ body: (Platform) async throws -> T) async throws -> T {
        let platform = try await Platform.open(databaseURL: database, masterKeyFile: masterKeyFile, logger: quietLogger())
        do {
            let value = try await body(platform)
            await platform.close()
            return value
        } catch {
            await platform.close()
            throw error
        }
    }
}

func quietLogger() -> Logger {
    var l = Logger(label: "partner-center")
    l.logLevel = .warning
    return l
}

/// Runs a command body, turning any failure into one clear line on stderr and exit 1.
func guarded(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as APIError {
        FileHandle.standardError.write(Data("error: \(e.message) (\(e.code))\n".utf8))
        throw ExitCode(1)
    } catch let e as ConfigError {
        FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
        throw ExitCode(1)
    } catch let e as SSOFailure {
        FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
        throw ExitCode(1)
    } catch let e as ExitCode {
        throw e
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try e.encode(value), as: UTF8.self))
}

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

    func run() async throws {
        try await guarded {
            guard let level = Logger.Level(rawValue: logLevel) else { throw ConfigError("unknown log level \(logLevel)") }
            guard (1...65535).contains(port) else { throw ConfigError("--port must be 1-65535") }
            guard rateLimit >= 0 else { throw ConfigError("--rate-limit must be 0 or more") }
            guard tokenTtl >= 60 else { throw ConfigError("--token-ttl must be at least 60 seconds") }
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
        let app = Server.application(platform: platform, options: options, logger: logger)
        // runService handles SIGTERM/SIGINT: stop accepting, finish in-flight requests, exit.
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await guarded {
            try await storage.with { platform in
                print("database \(platform.database.url) is at schema version \(Migrations.all.map(\.version).max() ?? 0)")
            }
        }
    }
}

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Operator actions, directly on the database (safe while the server runs).",
                                                    subcommands: [PartnerCommands.self, KeyCommands.self, RealnameCommands.self, CustomerCommands.self, LedgerCommands.self, QuotaCommands.self, CatalogCommands.self, DiscountCommands.self, ResourceCommands.self, ClockCommands.self, UsageCommands.self, PackageCommands.self, SAMLCommands.self])
}

struct PartnerCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "partner", abstract: "Partners: distributors, resellers, solution providers.",
                                                    subcommands: [Create.self, List.self, Fund.self])

    struct Fund: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Credit a partner from the platform, as when it pays the cloud provider.")
        @Option(help: "The partner's domain id.") var domainId: String
        @Option(help: "Amount in yuan, at most 2 decimals.") var amount: String
        @Option(help: "cash | credit") var account = "cash"
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard let value = Money.parse(amount) else { throw ConfigError("--amount must be a decimal number like 1000.50") }
                guard let type = LedgerAccountType(rawValue: account), type == .cash || type == .credit else { throw ConfigError("--account must be cash or credit") }
                let (id, balance) = try await storage.with { try await $0.funds.fund(partnerID: domainId, amount: value, account: type) }
                if json { try printJSON(OperatorRoutes.Funded(transferID: id, balance: balance)) } else { print("funded \(domainId): \(type.rawValue) balance \(Money.format(balance)) (transfer \(id))") }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a partner with its first access key.")
        @Option(help: "Account name (3-64 letters, digits, _ or -).") var name: String
        @Option(help: "distributor | reseller | solution-provider") var kind: String
        @Option(help: "A reseller's distributor (domain id).") var parent: String?
        @Option(help: "Password for IAM token sign-in.") var password: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let created = try await storage.with { try await OperatorRoutes.createPartner($0.accounts, .init(name: name, kind: kind, parentID: parent, password: password)) }
                if json { try printJSON(created) } else {
                    print("created \(created.kind) \(created.domainName)\n  domain_id:  \(created.domainID)\n  access_key: \(created.accessKey)\n  secret_key: \(created.secretKey)\n  xaccount_type: \(created.xaccountType ?? "")")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List partners.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let partners = try await storage.with { try await $0.accounts.listPartners() }
                if json { try printJSON(OperatorRoutes.PartnerList(partners: partners)); return }
                for p in partners { print("\(p.domainID)  \(p.kind.rawValue)  \(p.domainName)\(p.parentID.map { "  parent=\($0)" } ?? "")") }
            }
        }
    }
}

struct KeyCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "key", abstract: "Access keys (AK/SK) of partners, customers and the operator.",
                                                    subcommands: [Create.self, List.self, Revoke.self])

    struct OperatorKey: Codable {
        var domainID: String; var accessKey: String; var secretKey: String
        enum CodingKeys: String, CodingKey { case domainID = "domain_id", accessKey = "access_key", secretKey = "secret_key" }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an access key for an account (or the operator).")
        @Option(help: "The account's domain id.") var domainId: String?
        @Flag(help: "Create a key for the platform operator (for /operator/v1).") var `operator` = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard (domainId != nil) != self.operator else { throw ConfigError("give exactly one of --domain-id ID or --operator") }
                let (id, keys) = try await storage.with { platform in
                    let id: String
                    if let domainId { id = domainId } else { id = try await platform.accounts.operatorAccount().domainID }
                    return (id, try await platform.accounts.createKey(accountID: id))
                }
                if self.operator {
                    let out = OperatorKey(domainID: id, accessKey: keys.accessKey, secretKey: keys.secretKey)
                    if json { try printJSON(out) } else { print("domain_id:  \(id)\naccess_key: \(keys.accessKey)\nsecret_key: \(keys.secretKey)") }
                } else if json { try printJSON(keys) } else {
                    print("access_key: \(keys.accessKey)\nsecret_key: \(keys.secretKey)")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List access keys (secrets are never shown again).")
        @Option(help: "Only this account's keys.") var domainId: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let keys = try await storage.with { try await $0.accounts.listKeys(accountID: domainId) }
                if json { try printJSON(OperatorRoutes.KeyList(keys: keys)); return }
                for k in keys { print("\(k.accessKey)  \(k.domainID)  \(k.status)  \(k.createdAt)") }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an access key; requests signed with it are refused at once.")
        @Option(help: "The access key.") var accessKey: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let done = try await storage.with { try await $0.accounts.revokeKey(accessKey) }
                guard done else { throw ConfigError("no active access key \(accessKey)") }
                print("revoked \(accessKey)")
            }
        }
    }
}

struct RealnameCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "realname", abstract: "The real-name authentication review queue.",
                                                    subcommands: [List.self, Approve.self, Reject.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applications (default: pending ones).")
        @Option(help: "pending | approved | rejected | all") var status = "pending"
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let apps = try await storage.with { try await $0.realname.list(status: status == "all" ? nil : status) }
                if json { try printJSON(OperatorRoutes.RealnameList(applications: apps)); return }
                for a in apps { print("\(a.id)  \(a.status)  \(a.kind)  customer=\(a.customerID) (\(a.customerName))  name=\(a.name)  submitted=\(a.submittedAt)") }
            }
        }
    }

    /// The application to review: by its id, or the pending one of a customer.
    struct Target: ParsableArguments {
        @Argument(help: "Application id.") var id: String?
        @Option(help: "Review the pending application of this customer instead.") var customerId: String?
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending application: the customer becomes verified.")
        @OptionGroup var target: Target
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard (target.id != nil) != (target.customerId != nil) else { throw ConfigError("give exactly one of APPLICATION_ID or --customer-id") }
                let app = try await storage.with { try await $0.realname.review(applicationID: target.id, customerID: target.customerId, approve: true, reason: nil) }
                if json { try printJSON(app) } else { print("approved \(app.id) for customer \(app.customerID)") }
            }
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a pending application with a reason the partner will read.")
        @OptionGroup var target: Target
        @Option(help: "Why (shown as `opinion` in the review result).") var reason: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard (target.id != nil) != (target.customerId != nil) else { throw ConfigError("give exactly one of APPLICATION_ID or --customer-id") }
                let app = try await storage.with { try await $0.realname.review(applicationID: target.id, customerID: target.customerId, approve: false, reason: reason) }
                if json { try printJSON(app) } else { print("rejected \(app.id) for customer \(app.customerID)") }
            }
        }
    }
}

struct CustomerCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "customer", abstract: "Customers.", subcommands: [Unbind.self])

    struct Unbind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a customer's association with its partner; its cash returns to the partner (BEUNBIND).")
        @Option(help: "The customer's domain id.") var customerId: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let (id, reclaimed) = try await storage.with { try await $0.funds.unbind(customerID: customerId) }
                if json { try printJSON(OperatorRoutes.Unbound(customerID: customerId, transferID: id, reclaimed: reclaimed)) } else {
                    print("unbound \(customerId); reclaimed \(Money.format(reclaimed))\(id.map { " (transfer \($0))" } ?? "")")
                }
            }
        }
    }
}

struct LedgerCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "The double-entry ledger.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove every balance equals its transfers, every history replays, and all accounts sum to 0. Exit 1 when not.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let report = try await storage.with { try await LedgerVerifier.verify($0.database) }
                if json { try printJSON(report) } else {
                    print("\(report.ok ? "ledger OK" : "ledger BROKEN"): \(report.accounts) accounts, \(report.transfers) transfers, sum \(report.total)")
                    for p in report.problems { print("  - \(p)") }
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}

struct QuotaCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quota", abstract: "Coupon quotas granted to partners.", subcommands: [Grant.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a partner a coupon quota it can issue cash coupons from.")
        @Option(help: "The partner's domain id.") var domainId: String
        @Option(help: "Quota value in yuan, at most 2 decimals.") var amount: String
        @Option(help: "Expiry: a date (YYYY-MM-DD, end of that UTC day) or a UTC time YYYY-MM-DDTHH:mm:ssZ.") var expires: String
        @Option(help: "Start of validity, same formats (default: now).") var effective: String?
        @Option(help: "0 cash voucher (代金券) quota, 1 cash coupon (现金券) quota.") var type = 0
        @Option(help: "Comma-separated cloud service type codes the coupons may pay for (default: any).") var serviceTypes: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        /// A bare date means the whole of that day: its last second.
        static func time(_ text: String, endOfDay: Bool) throws -> Int64 {
            if let t = WireTime.parseUTC(text) { return t }
            if text.count == 10, let t = WireTime.parseUTC(text + "T00:00:00Z") { return endOfDay ? t + 86_399_000 : t }
            throw ConfigError("\(text) is neither YYYY-MM-DD nor YYYY-MM-DDTHH:mm:ssZ")
        }

        func run() async throws {
            try await guarded {
                guard let value = Money.parse(amount) else { throw ConfigError("--amount must be a decimal number like 1000.50") }
                let expiry = try Self.time(expires, endOfDay: true)
                let start = try effective.map { try Self.time($0, endOfDay: false) }
                let services = serviceTypes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
                let quota = try await storage.with {
                    try await $0.coupons.grantQuota(partnerID: domainId, amount: value, effective: start, expires: expiry, quotaType: type, serviceTypes: services)
                }
                if json { try printJSON(quota) } else {
                    print("granted quota \(quota.quotaID) of \(Money.format(quota.quotaValue)) to \(domainId), valid \(quota.effectiveTime) – \(quota.expireTime)")
                }
            }
        }
    }
}

struct CatalogCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "The product catalog and price book.", subcommands: [Import.self, Export.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import service/resource/usage types and products with price plans (JSON document, or CSV of products with a header row).",
            discussion: "Every bad row is reported with its line and field, and a file with any bad row changes nothing.")
        @Argument(help: "The file to import.") var file: String
        @Flag(help: "Print a JSON summary.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded { try await importFile() }
        }

        func importFile() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigError("cannot read \(file)") }
            let doc: CatalogDocument
            let summary: CatalogImport.Summary
            do {
                doc = try CatalogImport.parse(data)
                let total = doc.products?.count ?? 0
                let progress: (@Sendable (Int, Int) -> Void)? = (total >= 1000 || isatty(2) == 1) ? Self.progressBar : nil
                summary = try await storage.with { platform in try await CatalogImport.apply(doc, to: platform.database, progress: progress) }
            } catch let failed as ImportFailed {
                for p in failed.problems { FileHandle.standardError.write(Data("error: \(file): \(p)\n".utf8)) }
                FileHandle.standardError.write(Data("error: nothing was imported (\(failed.problems.count) problems)\n".utf8))
                throw ExitCode(1)
            }
            if json { try printJSON(summary) } else {
                print("imported \(summary.products) products (\(summary.pricePlans) price plans), \(summary.serviceTypes) service types, \(summary.resourceTypes) resource types, \(summary.usageTypes) usage types")
            }
        }

        @Sendable static func progressBar(_ done: Int, _ all: Int) {
            let width = 30
            let filled = all == 0 ? width : done * width / all
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\rimporting [\(bar)] \(done)/\(all)".utf8))
            if done == all { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export the catalog and price book in the import format.")
        @Option(help: "json | csv (csv holds the products only)") var format = "json"
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard format == "json" || format == "csv" else { throw ConfigError("--format must be json or csv") }
                let doc = try await storage.with { try await CatalogImport.export($0.database) }
                let text: String
                if format == "csv" { text = CatalogImport.csv(doc) } else {
                    let e = JSONEncoder()
                    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    text = String(decoding: try e.encode(doc), as: UTF8.self) + "\n"
                }
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else { throw ConfigError("cannot write \(output)") }
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }
}

struct DiscountCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "discount", abstract: "Discounts partners grant their customers (shown in quotes).",
                                                    subcommands: [Set.self, List.self, Delete.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Grant a customer a discount rate on one service type, for the customer's partner.")
        @Option(help: "The customer's domain id.") var customerId: String
        @Option(help: "Service type code, e.g. hws.service.type.ec2.") var serviceType: String
        @Option(help: "What the customer pays of the list price: 0.85 = 85%.") var rate: String
        @Option(help: "Start (YYYY-MM-DD or UTC time; default now).") var effective: String?
        @Option(help: "End (YYYY-MM-DD = end of that day, or UTC time).") var expires: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard let r = Money.parse(rate) else { throw ConfigError("--rate must be a decimal like 0.85") }
                let until = try QuotaCommands.Grant.time(expires, endOfDay: true)
                let from = try effective.map { try QuotaCommands.Grant.time($0, endOfDay: false) }
                let d = try await storage.with { try await $0.discounts.set(customerID: customerId, serviceType: serviceType, rate: r, from: from, until: until) }
                if json { try printJSON(d) } else { print("discount \(d.discountID): customer \(d.customerID) pays \(Money.format(d.rate)) on \(d.serviceType) until \(d.expireTime)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List discounts.")
        @Option(help: "Only this customer's.") var customerId: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let list = try await storage.with { try await $0.discounts.list(customerID: customerId) }
                if json { try printJSON(["discounts": list]) } else {
                    for d in list { print("\(d.discountID)  \(d.customerID)  \(d.serviceType)  \(Money.format(d.rate))  \(d.effectiveTime) – \(d.expireTime)") }
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a discount.")
        @Argument(help: "Discount id.") var id: String
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard try await storage.with({ try await $0.discounts.delete(id) }) else { throw ConfigError("no discount \(id)") }
                print("deleted \(id)")
            }
        }
    }
}

struct ResourceCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resource", abstract: "Customers' resources (standing in for purchases in the cloud console).",
                                                    subcommands: [Provision.self, Renew.self, Unsubscribe.self])

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Renew a yearly/monthly main resource (and its attached ones), charging the renewal.")
        @Option(help: "The main resource's id.") var resourceId: String
        @Option(help: "2 month | 3 year (default: the resource's own).") var periodType: Int?
        @Option(help: "Number of periods.") var periodNum = 1
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let res = try await storage.with { try await $0.resources.renew(resourceID: resourceId, periodType: periodType, periodNum: periodNum) }
                if json { try printJSON(res) } else { print("renewed \(res.resourceID) until \(res.expireTime ?? "-")") }
            }
        }
    }

    struct Unsubscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unsubscribe a yearly/monthly main resource (and its attached ones), refunding the unused part to cash.")
        @Option(help: "The main resource's id.") var resourceId: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let out = try await storage.with { try await $0.resources.unsubscribe(resourceID: resourceId) }
                if json { try printJSON(out) } else { print("unsubscribed \(out.resourceIDs.joined(separator: ", ")); refunded \(Money.format(out.refund))") }
            }
        }
    }

    struct Provision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a customer a yearly/monthly (or pay-per-use) resource of a catalog product.")
        @Option(help: "The customer's domain id.") var customerId: String
        @Option(help: "e.g. hws.service.type.ec2") var serviceType: String
        @Option(help: "e.g. hws.resource.type.vm") var resourceType: String
        @Option(help: "e.g. s6.small.1.linux, SAS, 5_bgp") var spec: String
        @Option(help: "e.g. cn-north-4") var region: String
        @Option(help: "period | on_demand") var chargeMode = "period"
        @Option(help: "2 month | 3 year") var periodType = 2
        @Option(help: "Number of periods.") var periodNum = 1
        @Option(help: "Size of a linear product (GB, Mbps).") var size: Int?
        @Option(help: "Make it an attached resource of this main resource (e.g. a VM's disk).") var parent: String?
        @Option(help: "The resource id (default: a new UUID).") var resourceId: String?
        @Option(help: "A display name.") var name: String?
        @Option(help: "Project id.") var projectId: String?
        @Option(help: "Start (UTC time; default now).") var effective: String?
        @Flag(help: "Renew automatically at expiry (expire_policy 3).") var autoRenew = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                var r = ProvisionRequest()
                r.customerID = customerId; r.cloudServiceType = serviceType; r.resourceType = resourceType; r.resourceSpec = spec; r.region = region
                r.chargeMode = chargeMode; r.periodType = periodType; r.periodNum = periodNum; r.resourceSize = size; r.parentResourceID = parent
                r.resourceID = resourceId; r.resourceName = name; r.projectID = projectId; r.autoRenew = autoRenew; r.effectiveTime = effective
                let request = r
                let res = try await storage.with { try await $0.resources.provision(request) }
                if json { try printJSON(res) } else {
                    print("provisioned \(res.resourceID) (\(res.resourceSpecCode), \(res.regionCode)) for \(customerId), expires \(res.expireTime ?? "-")")
                }
            }
        }
    }
}

struct ClockCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clock", abstract: "The business clock every instance shares (rating, billing, expiry).",
                                                    subcommands: [Show.self, SetTime.self, Advance.self, Reset.self])

    static func report(_ s: Database.ClockState, json: Bool) throws {
        if json { try printJSON(s) } else { print("business time \(s.now)\(s.followsRealTime ? " (real time)" : " (real time \(s.realTime), offset \(s.offsetSeconds)s)")") }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the business time.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws { try await guarded { try ClockCommands.report(try await storage.with { try await $0.database.clockState() }, json: json) } }
    }

    struct SetTime: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Set the business time; it runs on from there.")
        @Argument(help: "UTC time YYYY-MM-DDTHH:mm:ssZ.") var time: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws {
            try await guarded {
                guard let t = WireTime.parseUTC(time) else { throw ConfigError("TIME must look like 2026-01-31T00:00:00Z") }
                try ClockCommands.report(try await storage.with { try await $0.database.setClock(to: t) }, json: json)
            }
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the business time forward (or back with a leading -).")
        @Argument(help: "A duration like 90m, 36h, 3d, 2w.") var duration: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws {
            try await guarded {
                guard let d = BusinessClock.parseDuration(duration) else { throw ConfigError("DURATION must look like 90m, 36h or 3d") }
                try ClockCommands.report(try await storage.with { try await $0.database.setClock(advance: d) }, json: json)
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow real time again.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws { try await guarded { try ClockCommands.report(try await storage.with { try await $0.database.setClock(reset: true) }, json: json) } }
    }
}

struct UsageCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage", abstract: "Metered usage, rated into fee records and paid.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import usage records (JSON Lines, or CSV with a header row), rate them and deduct the fees.",
            discussion: "Idempotent by record_id. Any bad row refuses the whole file, every bad row named with its line and field.")
        @Argument(help: "The file.") var file: String
        @Flag(help: "Print a JSON summary {imported, duplicates, rejected}.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws { try await guarded { try await importFile() } }

        func importFile() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigError("cannot read \(file)") }
            let summary: UsageImportSummary
            var rejected = 0
            do {
                let (records, malformed) = try UsageFile.parseCollecting(data)
                let show = records.count >= 1000 || isatty(2) == 1
                if show { CatalogCommands.Import.progressBar(0, records.count) }
                let bar: @Sendable (Int, Int) -> Void = { done, all in if done < all { CatalogCommands.Import.progressBar(done, all) } }
                summary = try await storage.with { try await $0.billing.importUsage(records, malformed: malformed, progress: show ? bar : nil) }
                if show { CatalogCommands.Import.progressBar(records.count, records.count) }
            } catch let failed as ImportFailed {
                rejected = failed.problems.count
                for p in failed.problems { FileHandle.standardError.write(Data("error: \(file): \(p)\n".utf8)) }
                FileHandle.standardError.write(Data("error: nothing was imported (\(rejected) bad rows)\n".utf8))
                if json { try printJSON(UsageImportSummary(imported: 0, duplicates: 0, rejected: rejected, feeRecords: 0)) }
                throw ExitCode(1)
            }
            if json { try printJSON(summary) } else {
                print("imported \(summary.imported) usage records (\(summary.duplicates) already known), \(summary.feeRecords) fee records")
            }
        }
    }
}

struct PackageCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "package", abstract: "Resource packages: usage a customer uses before money.", subcommands: [Grant.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a customer a package of one usage type.")
        @Option(help: "The customer's domain id.") var customerId: String
        @Option(help: "e.g. hws.resource.type.vm") var resourceType: String
        @Option(help: "e.g. Duration") var usageType: String
        @Option(help: "Quantity, in the measure unit.") var amount: String
        @Option(help: "Measure unit id of the amount (4 hour, 10 GB...).") var measureId: Int
        @Option(help: "Only usage in this region (default: any).") var region: String?
        @Option(help: "Start (UTC time or YYYY-MM-DD; default now).") var effective: String?
        @Option(help: "End (UTC time, or YYYY-MM-DD = end of that day).") var expires: String
        @Option(help: "Package name.") var name: String?
        @Flag(help: "Print JSON {product_id, free_resource_id}.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard let value = Money.parse(amount) else { throw ConfigError("--amount must be a decimal like 100") }
                let until = try QuotaCommands.Grant.time(expires, endOfDay: true)
                let from = try effective.map { try QuotaCommands.Grant.time($0, endOfDay: false) }
                let g = try await storage.with {
                    try await $0.billing.grantPackage(customerID: customerId, resourceType: resourceType, usageType: usageType, amount: value,
                                                      measureID: measureId, region: region, effective: from, expires: until, name: name)
                }
                if json { try printJSON(g) } else { print("granted package \(g.productID) (item \(g.freeResourceID)) to \(customerId)") }
            }
        }
    }
}

struct SAMLCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "saml", abstract: "SAML web SSO: partners' IdPs.", subcommands: [IdP.self])

    struct IdP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "idp", abstract: "A partner's identity provider (its sales platform).",
                                                        subcommands: [Set.self, Show.self, Delete.self, EnableBuiltin.self])

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register a partner's IdP from its metadata (UTF-8, at most 2 MB).")
            @Option(help: "The partner's domain id.") var domainId: String
            @Option(help: "IdP metadata XML file.") var metadata: String
            @Option(help: "Platform identifier (xAccountType) to assign; default: the one the partner has.") var xaccountType: String?
            @Option(help: "Where first-login binding results are POSTed.") var notifyUrl: String?
            @Flag(help: "Print JSON {xaccount_type, entity_id}.") var json = false
            @OptionGroup var storage: StorageOptions

            func run() async throws {
                try await guarded {
                    guard let data = FileManager.default.contents(atPath: metadata) else { throw ConfigError("cannot read \(metadata)") }
                    let r = try await storage.with { try await $0.saml.setIdP(partnerID: domainId, metadata: Array(data), xaccountType: xaccountType, notifyURL: notifyUrl) }
                    if json { try printJSON(r) } else { print("IdP \(r.entityID) registered for \(domainId); xAccountType \(r.xaccountType)") }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a partner's registered IdP.")
            @Option(help: "The partner's domain id.") var domainId: String
            @Flag(help: "Print JSON.") var json = false
            @OptionGroup var storage: StorageOptions

            func run() async throws {
                try await guarded {
                    guard let r = try await storage.with({ try await $0.saml.idp(partnerID: domainId) }) else {
                        throw ConfigError("partner \(domainId) has no IdP registered")
                    }
                    if json { try printJSON(r) } else {
                        print("xaccount_type: \(r.xaccountType)\nentity_id:     \(r.entityID)\nsso_url:       \(r.ssoURL)\nbuiltin:       \(r.builtin)\nnotify_url:    \(r.notifyURL ?? "-")")
                    }
                }
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a partner's IdP; its SSO logins stop at once.")
            @Option(help: "The partner's domain id.") var domainId: String
            @OptionGroup var storage: StorageOptions

            func run() async throws {
                try await guarded {
                    guard try await storage.with({ try await $0.saml.deleteIdP(partnerID: domainId) }) else {
                        throw ConfigError("partner \(domainId) has no IdP registered")
                    }
                    print("IdP of \(domainId) removed")
                }
            }
        }

        struct EnableBuiltin: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Register partner-center's own IdP (/idp/{partner}/) as the partner's IdP.")
            @Option(help: "The partner's domain id.") var domainId: String
            @Option(help: "Base URL the server is reached at (env PARTNER_CENTER_PUBLIC_URL; default: the URL the server running on this database recorded at start).")
            var publicUrl: String? = ProcessInfo.processInfo.environment["PARTNER_CENTER_PUBLIC_URL"]
            @Option(help: "Where first-login binding results are POSTed.") var notifyUrl: String?
            @Flag(help: "Print JSON {xaccount_type, entity_id}.") var json = false
            @OptionGroup var storage: StorageOptions

            func run() async throws {
                try await guarded {
                    let r = try await storage.with { platform in
                        var recorded: String? = publicUrl
                        if recorded == nil { recorded = try await platform.saml.servedURL() }
                        guard let base = recorded else {
                            throw ConfigError("no server has started on this database yet, so its public URL is unknown: start `partner-center serve` once, or pass --public-url")
                        }
                        return try await platform.saml.enableBuiltinIdP(partnerID: domainId, publicURL: base, notifyURL: notifyUrl)
                    }
                    if json { try printJSON(r) } else { print("built-in IdP enabled for \(domainId); xAccountType \(r.xaccountType)") }
                }
            }
        }
    }
}
