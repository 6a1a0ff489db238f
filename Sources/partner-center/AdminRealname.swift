import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

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
                let apps = try await storage.with { try await $0.realname.list(status: status == "all" ? nil : status) }
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
                let app = try await storage.with { try await $0.realname.review(applicationID: target.id, customerID: target.customerId, approve: true, reason: nil) }
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
                let app = try await storage.with { try await $0.realname.review(applicationID: target.id, customerID: target.customerId, approve: false, reason: reason) }
                if json { try printJSON(app) } else { print("rejected \(app.id) for customer \(app.customerID)") }
            }
        }
    }
}
