import Foundation
import SQLKit

/// A product's price plan in force at a given time.
public struct PricePlan: Sendable {
    public struct Tier: Sendable, Equatable { public var upTo: Decimal?; public var unitPrice: Decimal }
    public var productID: String
    public var serviceType: String
    public var resourceType: String
    public var resourceSpec: String
    public var region: String
    public var usageFactor: String
    public var usageMeasureID: Int?
    public var sizeMeasureID: Int?
    public var unitPrice: Decimal?
    public var tiers: [Tier]
    public var hourPrice: Decimal?
    public var dayPrice: Decimal?
    public var monthPrice: Decimal?
    public var yearPrice: Decimal?
    public var isLinear: Bool { sizeMeasureID != nil }
}

public enum PriceBook {
    /// The plan of the product sold as (service, resource, spec, region, mode[, factor])
    /// that is in force at `time`: the latest plan started by then and not yet ended.
    public static func plan(_ db: any SQLDatabase, service: String, resource: String, spec: String, region: String,
                            mode: String, factor: String?, at time: Int64) async throws -> PricePlan? {
        var q: SQLQueryString = """
            SELECT p.id, p.service_type, p.resource_type, p.resource_spec, p.region, p.usage_factor, p.usage_measure_id, p.size_measure_id,
                   pp.unit_price, pp.tiers, pp.hour_price, pp.day_price, pp.month_price, pp.year_price
            FROM products p JOIN price_plans pp ON pp.product_id = p.id
            WHERE p.service_type = \(bind: service) AND p.resource_type = \(bind: resource) AND p.resource_spec = \(bind: spec)
              AND p.region = \(bind: region) AND p.charge_mode = \(bind: mode)
              AND pp.effective_from <= \(bind: time) AND (pp.effective_until IS NULL OR pp.effective_until > \(bind: time))
            """
        if let factor { q += " AND LOWER(p.usage_factor) = \(bind: factor.lowercased())" }
        q += " ORDER BY pp.effective_from DESC"
        guard let r = try await db.raw(q).first() else { return nil }
        return try decodePlan(r, service: service, resource: resource, spec: spec, region: region)
    }

    /// Every dated plan of one product line, newest first, for callers that price many
    /// usages of the same line (a usage import) and pick the plan in force themselves.
    static func datedPlans(_ db: any SQLDatabase, service: String, resource: String, spec: String, region: String,
                           mode: String, factor: String) async throws -> [(from: Int64, until: Int64?, plan: PricePlan)] {
        try await db.raw("""
            SELECT p.id, p.service_type, p.resource_type, p.resource_spec, p.region, p.usage_factor, p.usage_measure_id, p.size_measure_id,
                   pp.unit_price, pp.tiers, pp.hour_price, pp.day_price, pp.month_price, pp.year_price, pp.effective_from, pp.effective_until
            FROM products p JOIN price_plans pp ON pp.product_id = p.id
            WHERE p.service_type = \(bind: service) AND p.resource_type = \(bind: resource) AND p.resource_spec = \(bind: spec)
              AND p.region = \(bind: region) AND p.charge_mode = \(bind: mode) AND LOWER(p.usage_factor) = \(bind: factor.lowercased())
            ORDER BY pp.effective_from DESC
            """).all().map { r in
                (try r.decode(column: "effective_from", as: Int64.self), try r.decode(column: "effective_until", as: Int64?.self),
                 try decodePlan(r, service: service, resource: resource, spec: spec, region: region))
            }
    }

    static func decodePlan(_ r: any SQLRow, service: String, resource: String, spec: String, region: String) throws -> PricePlan {
        func dec(_ c: String) throws -> Decimal? { try r.decode(column: c, as: String?.self).flatMap(Money.parse) }
        let tiers = try r.decode(column: "tiers", as: String?.self)
            .flatMap { try? JSONDecoder().decode([CatalogDocument.Tier].self, from: Data($0.utf8)) }?
            .compactMap { t in Money.parse(t.unitPrice).map { PricePlan.Tier(upTo: t.upTo.flatMap(Money.parse), unitPrice: $0) } } ?? []
        return PricePlan(productID: try r.decode(column: "id", as: String.self), serviceType: service, resourceType: resource, resourceSpec: spec,
                         region: region, usageFactor: try r.decode(column: "usage_factor", as: String.self),
                         usageMeasureID: try r.decode(column: "usage_measure_id", as: Int?.self), sizeMeasureID: try r.decode(column: "size_measure_id", as: Int?.self),
                         unitPrice: try dec("unit_price"), tiers: tiers, hourPrice: try dec("hour_price"), dayPrice: try dec("day_price"),
                         monthPrice: try dec("month_price"), yearPrice: try dec("year_price"))
    }

    public static func usageFactorExists(_ db: any SQLDatabase, resource: String, factor: String) async throws -> Bool {
        try await db.raw("SELECT code FROM catalog_usage_types WHERE resource_type = \(bind: resource) AND LOWER(code) = \(bind: factor.lowercased())").first() != nil
    }
}

/// Unit conversion along the catalog's conversion pairs (GB→MB 1024, hour→minute 60...).
public struct UnitConverter: Sendable {
    /// Each edge multiplies by `num` and divides by `den`, kept apart so a chain ends in one
    /// division: 90 minutes is exactly 1.5 hours, not 90 × 0.016666….
    var edges: [Int: [(Int, num: Decimal, den: Decimal)]] = [:]

    public init(pairs: [(from: Int, to: Int, ratio: Int64)]) {
        for p in pairs {
            // 1 `from` = ratio `to`; so a value in `from` times ratio is the value in `to`.
            edges[p.from, default: []].append((p.to, Decimal(p.ratio), 1))
            edges[p.to, default: []].append((p.from, 1, Decimal(p.ratio)))
        }
    }

    public static func load(_ db: any SQLDatabase) async throws -> UnitConverter {
        UnitConverter(pairs: try await db.raw("SELECT measure_id, ref_measure_id, ratio FROM catalog_conversions").all().map {
            (try $0.decode(column: "measure_id", as: Int.self), try $0.decode(column: "ref_measure_id", as: Int.self), try $0.decode(column: "ratio", as: Int64.self))
        })
    }

    /// The factor num/den that turns a value in `from` units into `to` units; nil when unrelated.
    public func factor(from: Int, to: Int) -> (num: Decimal, den: Decimal)? {
        if from == to { return (1, 1) }
        var seen: Set<Int> = [from]
        var queue: [(Int, Decimal, Decimal)] = [(from, 1, 1)]
        while !queue.isEmpty {
            let (unit, n, d) = queue.removeFirst()
            for (next, en, ed) in edges[unit] ?? [] where !seen.contains(next) {
                if next == to { return (n * en, d * ed) }
                seen.insert(next)
                queue.append((next, n * en, d * ed))
            }
        }
        return nil
    }
}

/// Price arithmetic, pure so the invariants can be tested over generated price books.
public enum RatingMath {
    /// Usage charge for `quantity` (in the plan's usage unit): tiers are counted from zero.
    public static func usageCharge(unitPrice: Decimal?, tiers: [PricePlan.Tier], quantity: Decimal) -> Decimal {
        guard !tiers.isEmpty else { return (unitPrice ?? 0) * quantity }
        var total = Decimal(0)
        var lower = Decimal(0)
        for t in tiers {
            guard quantity > lower else { break }
            let upper = t.upTo.map { min($0, quantity) } ?? quantity
            total += (upper - lower) * t.unitPrice
            lower = upper
        }
        return total
    }

    /// A usage charge, and the same charge at a discount rate, each with one division at
    /// the end so results that are exact stay exact (tiers divide once, for the quantity).
    public static func charges(_ plan: PricePlan, value: Decimal, num: Decimal, den: Decimal, count: Decimal, rate: Decimal?) -> (official: Decimal, discounted: Decimal) {
        // Decimal division is the slow operation here: skipped when the units already
        // agree (den 1), done once when there is no discount.
        func over(_ x: Decimal) -> Decimal { den == 1 ? x : x / den }
        if plan.tiers.isEmpty {
            let numerator = (plan.unitPrice ?? 0) * value * num * count
            let official = over(numerator)
            return (official, rate.map { over(numerator * $0) } ?? official)
        }
        let charge = usageCharge(unitPrice: nil, tiers: plan.tiers, quantity: over(value * num * count))
        return (charge, rate.map { charge * $0 } ?? charge)
    }
}
