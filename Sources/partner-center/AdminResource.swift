import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct ResourceCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resource", abstract: "Customers' resources (standing in for purchases in the cloud console).",
                                                    subcommands: [Provision.self, Renew.self, Unsubscribe.self])

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Renew a yearly/monthly main resource (and its attached ones): a renewal order, paid at once as automatic payments pay (discount, coupons, cash, credit).")
        @Option(help: "The main resource's id.") var resourceId: String
        @Option(help: "2 month | 3 year (default: the resource's own).") var periodType: Int?
        @Option(help: "Number of periods.") var periodNum = 1
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let res = try await storage.with { try await $0.resources.renew(resourceID: resourceId, periodType: periodType, periodNum: periodNum) }
                if json { try printJSON(res) } else { print("renewed \(res.resourceID) until \(res.expireTime ?? "-")") }
            }
        }
    }

    struct Unsubscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unsubscribe a yearly/monthly main resource (and its attached ones): an unsubscription order refunding what CancelResourcesSubscription would.")
        @Option(help: "The main resource's id.") var resourceId: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let out = try await storage.with { try await $0.resources.unsubscribe(resourceID: resourceId) }
                if json { try printJSON(out) } else { print("unsubscribed \(out.resourceIDs.joined(separator: ", ")); refunded \(Money.format(out.refund))") }
            }
        }
    }

    struct Provision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a customer a yearly/monthly resource of a catalog product (a new-purchase order, paid at once; short of money, refused) or a pay-per-use one.")
        @Option(help: "The customer's domain id.") var customerId: String
        @Option(help: "e.g. hws.service.type.ec2") var serviceType: String
        @Option(help: "e.g. hws.resource.type.vm") var resourceType: String
        @Option(help: "e.g. s6.small.1.linux, SAS, 5_bgp") var spec: String
        @Option(help: "e.g. cn-north-4") var region: String
        @Option(help: "period | on_demand") var chargeMode = "period"
        @Option(help: "2 month | 3 year") var periodType = 2
        @Option(help: "Number of periods.") var periodNum = 1
        @Option(help: "Size of a linear product (GB, Mbps).") var size: Int?
        @Option(help: "Make it an attached resource of this main resource (e.g. a VM's disk).") var parent: String?
        @Option(help: "The resource id (default: a new UUID).") var resourceId: String?
        @Option(help: "A display name.") var name: String?
        @Option(help: "Project id.") var projectId: String?
        @Option(help: "Start (UTC time; default now).") var effective: String?
        @Flag(help: "Renew automatically at expiry (expire_policy 3).") var autoRenew = false
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                var r = ProvisionRequest()
                r.customerID = customerId; r.cloudServiceType = serviceType; r.resourceType = resourceType; r.resourceSpec = spec; r.region = region
                r.chargeMode = chargeMode; r.periodType = periodType; r.periodNum = periodNum; r.resourceSize = size; r.parentResourceID = parent
                r.resourceID = resourceId; r.resourceName = name; r.projectID = projectId; r.autoRenew = autoRenew; r.effectiveTime = effective
                let request = try Provisioning(r)
                let res = try await storage.with { try await $0.resources.provision(request) }
                if json { try printJSON(res) } else {
                    print("provisioned \(res.resourceID) (\(res.resourceSpecCode), \(res.regionCode)) for \(customerId), expires \(res.expireTime ?? "-")")
                }
            }
        }
    }
}
