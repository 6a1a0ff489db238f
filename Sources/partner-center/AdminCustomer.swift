import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

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
