import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

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
