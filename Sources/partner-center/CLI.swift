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

    func open() async throws -> Platform {
        try await Platform.open(databaseURL: database, masterKeyFile: masterKeyFile, logger: quietLogger())
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

    func run() async throws {
        try await guarded {
            guard let level = Logger.Level(rawValue: logLevel) else { throw ConfigError("unknown log level \(logLevel)") }
            guard (1...65535).contains(port) else { throw ConfigError("--port must be 1-65535") }
            guard rateLimit >= 0 else { throw ConfigError("--rate-limit must be 0 or more") }
            guard tokenTtl >= 60 else { throw ConfigError("--token-ttl must be at least 60 seconds") }
            var logger = Logger(label: "partner-center")
            logger.logLevel = level
            let platform = try await Platform.open(databaseURL: storage.database, masterKeyFile: storage.masterKeyFile, logger: logger)
            if demo {
                let creds = try await Demo.seed(platform)
                var lines = ["", "partner-center demo data (\(storage.database))", "  endpoint: http://\(host):\(port)"]
                for c in creds {
                    lines += ["  \(c.role) \(c.domainName)", "    domain_id:  \(c.domainID)", "    access_key: \(c.accessKey)",
                              "    secret_key: \(c.secretKey)", "    password:   \(c.password)"]
                    if let x = c.xaccountType { lines.append("    xaccount_type: \(x)") }
                }
                // Written straight to the descriptor so it shows at once even when stdout is a file.
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n\n").utf8))
            }
            var options = ServerOptions()
            options.host = host
            options.port = port
            options.rateLimit = rateLimit
            options.tokenTTLSeconds = tokenTtl
            logger.info("starting", metadata: ["database": .string(platform.database.url.description), "address": .string("\(host):\(port)")])
            let app = Server.application(platform: platform, options: options, logger: logger)
            // runService handles SIGTERM/SIGINT: stop accepting, finish in-flight requests, exit.
            try await app.runService()
            await platform.close()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await guarded {
            let platform = try await storage.open()
            print("database \(platform.database.url) is at schema version \(Migrations.all.map(\.version).max() ?? 0)")
            await platform.close()
        }
    }
}

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Operator actions, directly on the database (safe while the server runs).",
                                                    subcommands: [PartnerCommands.self, KeyCommands.self, RealnameCommands.self, CustomerCommands.self, LedgerCommands.self])
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
                let platform = try await storage.open()
                let result = await Result(catching: { try await platform.funds.fund(partnerID: domainId, amount: value, account: type) })
                await platform.close()
                let (id, balance) = try result.get()
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
                let platform = try await storage.open()
                defer { Task { await platform.close() } }
                let created = try await OperatorRoutes.createPartner(platform.accounts, .init(name: name, kind: kind, parentID: parent, password: password))
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
                let platform = try await storage.open()
                let partners = try await platform.accounts.listPartners()
                await platform.close()
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
                let platform = try await storage.open()
                let id: String
                if let domainId { id = domainId } else { id = try await platform.accounts.operatorAccount().domainID }
                let keys = try await platform.accounts.createKey(accountID: id)
                await platform.close()
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
                let platform = try await storage.open()
                let keys = try await platform.accounts.listKeys(accountID: domainId)
                await platform.close()
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
                let platform = try await storage.open()
                let done = try await platform.accounts.revokeKey(accessKey)
                await platform.close()
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
                let platform = try await storage.open()
                let apps = try await platform.realname.list(status: status == "all" ? nil : status)
                await platform.close()
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
                let platform = try await storage.open()
                let app = try await platform.realname.review(applicationID: target.id, customerID: target.customerId, approve: true, reason: nil)
                await platform.close()
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
                let platform = try await storage.open()
                let app = try await platform.realname.review(applicationID: target.id, customerID: target.customerId, approve: false, reason: reason)
                await platform.close()
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
                let platform = try await storage.open()
                let result = await Result(catching: { try await platform.funds.unbind(customerID: customerId) })
                await platform.close()
                let (id, reclaimed) = try result.get()
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
                let platform = try await storage.open()
                let result = await Result(catching: { try await LedgerVerifier.verify(platform.database) })
                await platform.close()
                let report = try result.get()
                if json { try printJSON(report) } else {
                    print("\(report.ok ? "ledger OK" : "ledger BROKEN"): \(report.accounts) accounts, \(report.transfers) transfers, sum \(report.total)")
                    for p in report.problems { print("  - \(p)") }
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}

extension Result where Failure == any Error {
    /// Captures an async throwing call so resources can be released before rethrowing.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
