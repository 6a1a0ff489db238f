import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct CustomerCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "customer", abstract: "Customers.", subcommands: [Unbind.self, TopUp.self])

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
}
