import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct QuotaCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "quota", abstract: "Coupon quotas granted to partners.", subcommands: [Grant.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give a partner a coupon quota it can issue cash coupons from.")
        @Option(help: "The partner's domain id.") var domainId: String
        @Option(help: "Quota value in yuan, at most 2 decimals.") var amount: String
        @Option(help: "Expiry: a date (YYYY-MM-DD, end of that UTC day) or a UTC time YYYY-MM-DDTHH:mm:ssZ.") var expires: String
        @Option(help: "Start of validity, same formats (default: now).") var effective: String?
        @Option(help: "0 cash voucher (代金券) quota, 1 cash coupon (现金券) quota.") var type = 0
        @Option(help: "Comma-separated cloud service type codes the coupons may pay for (default: any).") var serviceTypes: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        /// A bare date means the whole of that day: its last second.
        static func time(_ text: String, endOfDay: Bool) throws -> Int64 {
            if let t = WireTime.parseUTC(text) { return t }
            if text.count == 10, let t = WireTime.parseUTC(text + "T00:00:00Z") { return endOfDay ? t + 86_399_000 : t }
            throw ConfigError("\(text) is neither YYYY-MM-DD nor YYYY-MM-DDTHH:mm:ssZ")
        }

        func run() async throws {
            try await guarded {
                guard let value = Money.parse(amount) else { throw ConfigError("--amount must be a decimal number like 1000.50") }
                let expiry = try Self.time(expires, endOfDay: true)
                let start = try effective.map { try Self.time($0, endOfDay: false) }
                let services = serviceTypes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? []
                let quota = try await storage.with {
                    try await $0.coupons.grantQuota(partnerID: domainId, amount: value, effective: start, expires: expiry, quotaType: type, serviceTypes: services)
                }
                if json { try printJSON(quota) } else {
                    print("granted quota \(quota.quotaID) of \(Money.format(quota.quotaValue)) to \(domainId), valid \(quota.effectiveTime) – \(quota.expireTime)")
                }
            }
        }
    }
}
