import Foundation
import SQLKit

/// Price inquiries (询价) for a customer: pay-per-use usage and yearly/monthly periods,
/// with the partner's discounts for that customer.
public struct RatingStore: Sendable {
    public let database: Database
    /// Larger results are refused (CBC.99006055).
    static let maxAmount = Decimal(string: "1000000000000")!

    public init(database: Database) { self.database = database }

    static let notFound = Refusal(.productNotFound, "The product being quoted cannot be found.")
    static let tooLarge = Refusal(.ratingTooLarge, "The rating result exceeds the maximum amount.")

    /// Linear products are priced per unit of size; the size and its unit must be given.
    static func sizeFactor(_ plan: PricePlan, _ c: RatedProduct, field f: String) throws -> Decimal {
        guard let unit = plan.sizeMeasureID else { return 1 }
        guard let size = c.size else { throw Refusal.parameter("\(f).resource_size", "is required for this linear product") }
        guard c.sizeMeasure == unit else { throw Refusal.parameter("\(f).size_measure_id", "must be \(unit) for this product") }
        return Decimal(size)
    }

    // MARK: on demand

    /// RateOnDemand: each line's price for its usage, after the customer's best discount.
    public func onDemand(customerID: String, _ r: UsageInquiry, at given: Int64? = nil) async throws -> OnDemandRatingResponse {
        let (items, scale) = (r.items, r.scale)
        let time = try await database.businessNow(or: given)
        return try await database.read { db in
            let converter = try await UnitConverter.load(db)
            let discounts = try await DiscountStore.active(db, customerID: customerID, at: time)
            var results: [DemandProductRatingResult] = []
            for (i, p) in items.enumerated() {
                let c = p.product
                let f = "product_infos[\(i)]"
                guard try await PriceBook.usageFactorExists(db, resource: c.resource, factor: p.usageFactor) else {
                    throw Refusal(.usageFactorUnknown, "The usage factor \(p.usageFactor) does not exist.")
                }
                guard let plan = try await PriceBook.plan(db, service: c.service, resource: c.resource, spec: c.spec, region: c.region,
                                                          mode: "on_demand", factor: p.usageFactor, at: time) else { throw Self.notFound }
                let size = try Self.sizeFactor(plan, c, field: f)
                guard let unit = plan.usageMeasureID, let conv = converter.factor(from: p.usageMeasureID, to: unit) else {
                    throw Refusal(.usageUnitMismatch, "The usage measure unit \(p.usageMeasureID) does not fit the usage factor \(p.usageFactor).")
                }
                let count = size * Decimal(c.subscriptions)
                // One discount is applied: the deepest one in force for this service type.
                let best = discounts.filter { $0.serviceType == c.service }.min { $0.rate < $1.rate }
                let (raw, discounted) = RatingMath.charges(plan, value: p.usageValue, num: conv.num, den: conv.den, count: count, rate: best?.rate)
                guard raw <= Self.maxAmount else { throw Self.tooLarge }
                // Pay-per-use inquiry amounts are truncated to six places, as Huawei shows them.
                let official = Money.truncated(raw, scale: scale)
                let amount = Money.truncated(discounted, scale: scale)
                let saved = official - amount
                results.append(DemandProductRatingResult(
                    id: c.id, productID: plan.productID, amount: amount, discountAmount: saved, officialWebsiteAmount: official, measureID: 1,
                    discountRatingResults: best.map { [DemandDiscountRatingResult(discountID: $0.discountID, discountType: Discount.type, amount: saved,
                                                                                  measureID: 1, discountName: $0.name)] } ?? []))
            }
            let official = results.reduce(Decimal(0)) { $0 + $1.officialWebsiteAmount }
            let amount = results.reduce(Decimal(0)) { $0 + $1.amount }
            assert(official - amount == results.reduce(Decimal(0)) { $0 + $1.discountAmount }, "totals are sums of items")
            return OnDemandRatingResponse(amount: amount, discountAmount: official - amount, officialWebsiteAmount: official, measureID: 1,
                                          currency: Money.currency, productRatingResults: results)
        }
    }

    // MARK: period

    public struct PeriodLine: Sendable {
        public var id: String
        public var productID: String
        public var serviceType: String
        public var official: Decimal
    }

    static func periodPrice(_ plan: PricePlan, type: Int) -> Decimal? {
        switch type {
        case 0: return plan.dayPrice
        case 2: return plan.monthPrice
        case 3: return plan.yearPrice
        case 4: return plan.hourPrice
        default: return nil
        }
    }

    /// Prices one period line (also used by renewal quotes of existing resources).
    static func periodLine(_ db: any SQLDatabase, id: String, c: RatedProduct, periodType: Int, periodNum: Int, field f: String, at time: Int64) async throws -> PeriodLine {
        guard let plan = try await PriceBook.plan(db, service: c.service, resource: c.resource, spec: c.spec, region: c.region,
                                                  mode: "period", factor: nil, at: time),
              let price = periodPrice(plan, type: periodType) else { throw notFound }
        let size = try sizeFactor(plan, c, field: f)
        let raw = price * size * Decimal(periodNum) * Decimal(c.subscriptions)
        guard raw <= maxAmount else { throw tooLarge }
        return PeriodLine(id: id, productID: plan.productID, serviceType: c.service, official: Money.roundedHalfUp(raw, scale: 2))  // a period price is quoted to the fen, half-up
    }

    /// The official block plus one block per discount in force (best_offer on the largest saving).
    static func periodResult(_ lines: [PeriodLine], discounts: [Discount]) -> PeriodRatingResponse {
        let official = lines.reduce(Decimal(0)) { $0 + $1.official }
        let officialBlock = OfficialWebsiteRatingResult(officialWebsiteAmount: official, measureID: 1, productRatingResults: lines.map {
            PeriodProductOfficialRatingResult(id: $0.id, productID: $0.productID, officialWebsiteAmount: $0.official, measureID: 1)
        })
        let services = Set(lines.map(\.serviceType))
        var blocks: [OptionalDiscountRatingResult] = discounts.filter { services.contains($0.serviceType) }.map { d in
            let items = lines.map { l -> PeriodProductRatingResult in
                let amount = l.serviceType == d.serviceType ? Money.roundedHalfUp(l.official * d.rate, scale: 2) : l.official  // discounted to the fen, half-up
                return PeriodProductRatingResult(id: l.id, productID: l.productID, amount: amount, officialWebsiteAmount: l.official,
                                                 discountAmount: l.official - amount, measureID: 1)
            }
            let amount = items.reduce(Decimal(0)) { $0 + $1.amount }
            return OptionalDiscountRatingResult(discountID: d.discountID, amount: amount, officialWebsiteAmount: official, discountAmount: official - amount,
                                                measureID: 1, discountType: Discount.type, discountName: d.name, bestOffer: 0, productRatingResults: items)
        }
        if let best = blocks.indices.max(by: { blocks[$0].discountAmount < blocks[$1].discountAmount || (blocks[$0].discountAmount == blocks[$1].discountAmount && $0 > $1) }),
           blocks[best].discountAmount > 0 {
            blocks[best].bestOffer = 1
        }
        return PeriodRatingResponse(officialWebsiteRatingResult: officialBlock, optionalDiscountRatingResults: blocks, currency: Money.currency)
    }

    /// RateOnPeriod: each line's price for its period, and the discount offers on the whole.
    public func period(customerID: String, _ r: PeriodInquiry, at given: Int64? = nil) async throws -> PeriodRatingResponse {
        let items = r.items
        let time = try await database.businessNow(or: given)
        return try await database.read { db in
            var lines: [PeriodLine] = []
            for (i, p) in items.enumerated() {
                lines.append(try await Self.periodLine(db, id: p.product.id, c: p.product, periodType: p.periodType, periodNum: p.periodNum,
                                                       field: "product_infos[\(i)]", at: time))
            }
            return Self.periodResult(lines, discounts: try await DiscountStore.active(db, customerID: customerID, at: time))
        }
    }
}
