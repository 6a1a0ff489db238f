import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Operator actions, directly on the database (safe while the server runs).",
                                                    subcommands: [PartnerCommands.self, KeyCommands.self, RealnameCommands.self, OutboxCommands.self, CustomerCommands.self, LedgerCommands.self, QuotaCommands.self, CatalogCommands.self, DiscountCommands.self, ResourceCommands.self, OrderCommands.self, LifecycleCommands.self, ClockCommands.self, UsageCommands.self, PackageCommands.self, SAMLCommands.self])
}
