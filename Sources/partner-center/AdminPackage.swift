import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

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
