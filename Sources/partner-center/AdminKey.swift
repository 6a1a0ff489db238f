import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

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
