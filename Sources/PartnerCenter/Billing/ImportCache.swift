import Foundation
import SQLKit

/// What a usage import looks up again and again, read once per batch inside the batch's
/// transaction (so it cannot go stale under it): customers' partners, usage types, dated
/// price plans, discounts, whether a customer has packages at all, and the bill sums,
/// which are written once per key at the end.
final class ImportCache {
    let now: Int64
    private var partners: [String: String?] = [:]
    private var factors: [String: Bool] = [:]
    private var plans: [String: [(from: Int64, until: Int64?, plan: PricePlan)]] = [:]
    private var discounts: [String: [(from: Int64, until: Int64, service: String, rate: Decimal)]] = [:]
    private var packages: [String: Bool] = [:]

    init(now: Int64) { self.now = now }

    func partner(_ db: any SQLDatabase, customer: String) async throws -> String? {
        if let p = partners[customer] { return p }
        let p = try await db.raw("SELECT partner_id FROM customers WHERE id = \(bind: customer)").first()?.decode(column: "partner_id", as: String.self)
        partners[customer] = .some(p)
        return p
    }

    func factorExists(_ db: any SQLDatabase, resource: String, factor: String) async throws -> Bool {
        let key = resource + "\u{1}" + factor.lowercased()
        if let known = factors[key] { return known }
        let exists = try await PriceBook.usageFactorExists(db, resource: resource, factor: factor)
        factors[key] = exists
        return exists
    }

    /// The on-demand plan in force at `time`, as `PriceBook.plan` would answer it.
    func plan(_ db: any SQLDatabase, _ r: UsageRecord, at time: Int64) async throws -> PricePlan? {
        let key = [r.cloudServiceType, r.resourceType, r.resourceSpec, r.region, r.usageType.lowercased()].joined(separator: "\u{1}")
        if plans[key] == nil {
            plans[key] = try await PriceBook.datedPlans(db, service: r.cloudServiceType, resource: r.resourceType, spec: r.resourceSpec,
                                                        region: r.region, mode: "on_demand", factor: r.usageType)
        }
        return plans[key]!.first { $0.from <= time && ($0.until.map { $0 > time } ?? true) }?.plan
    }

    /// The lowest discount rate in force at `time` for the service, as `DiscountStore.active` filters.
    func discount(_ db: any SQLDatabase, customer: String, service: String, at time: Int64) async throws -> Decimal? {
        if discounts[customer] == nil {
            discounts[customer] = try await db.raw("""
                SELECT d.effective_from, d.effective_until, d.service_type, d.rate FROM discounts d
                JOIN customers c ON c.id = d.customer_id AND c.partner_id = d.partner_id AND c.bound = 1
                WHERE d.customer_id = \(bind: customer)
                """).all().map { r in
                    (try r.decode(column: "effective_from", as: Int64.self), try r.decode(column: "effective_until", as: Int64.self),
                     try r.decode(column: "service_type", as: String.self), Money.parse(try r.decode(column: "rate", as: String.self)) ?? 1)
                }
        }
        var lowest: Decimal?
        for d in discounts[customer]! where d.from <= time && d.until > time && d.service == service && lowest.map({ d.rate < $0 }) ?? true {
            lowest = d.rate
        }
        return lowest
    }

    /// false when the customer has no active package at all, so the lookup can be skipped.
    func mayHavePackages(_ db: any SQLDatabase, customer: String) async throws -> Bool {
        if let known = packages[customer] { return known }
        let has = try await db.raw("SELECT id FROM resource_packages WHERE customer_id = \(bind: customer) AND status = 1 LIMIT 1").first() != nil
        packages[customer] = has
        return has
    }
}
