import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct CustomerCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "customer", abstract: "Customers.", subcommands: [Unbind.self, TopUp.self, NewTag.self])

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

    struct TopUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "top-up",
            abstract: "A customer pays into its own cash account (online payment or bank transfer), as referral customers do.")
        @Option(help: "The customer's domain id.") var customerId: String
        @Option(help: "Amount in yuan, at most 2 decimals.") var amount: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard let value = Money.parse(amount) else { throw Refusal.parameter("amount", "must be a decimal amount in yuan") }
                let (id, balance) = try await storage.with { try await $0.funds.topUp(customerID: customerId, amount: value) }
                if json { try printJSON(OperatorRoutes.Funded(transferID: id, balance: balance)) } else {
                    print("topped up \(customerId) by \(Money.format(value)); cash balance \(Money.format(balance)) (transfer \(id))")
                }
            }
        }
    }

    struct NewTag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new-tag",
            abstract: "Record a customer's SMB new-customer tag as Huawei's programme gave it (ListSubCustomerNewTag shows it).")
        @Option(help: "The customer's domain id.") var customerId: String
        @Option(help: "Y (qualified new customer) | N (not new) | UNDETERMINED (eligible, not yet qualified)") var tag: String
        @Option(help: "First month it holds, YYYY-MM (Beijing).") var effective: String
        @Option(help: "Last month it holds, YYYY-MM (Beijing); after it the tag reads N.") var expires: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let t = try await storage.with {
                    try await NewCustomerTagStore(database: $0.database).set(customerID: customerId, tag: tag, effective: effective, expires: expires)
                }
                if json { try printJSON(t) } else {
                    print("\(customerId): \(t.newCustomerTag.isEmpty ? "(no real-name authentication: empty)" : t.newCustomerTag) \(effective)…\(expires)")
                }
            }
        }
    }
}
