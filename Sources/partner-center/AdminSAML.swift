import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

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
