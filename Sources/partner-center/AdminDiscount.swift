import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

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
