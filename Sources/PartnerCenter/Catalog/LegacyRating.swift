import Foundation
import SQLKit

// v1.0 price inquiries (camelCase keys, the misspelt `resouceSizeMeasureId` and
// `avaliableZoneId` kept, success bodies carrying CBC.0000).

public struct LegacyProductInfo: Codable, Sendable {
    public var id: String?
    public var cloudServiceType: String?
    public var resourceType: String?
    public var resourceSpecCode: String?
    public var resourceSize: Int?
    public var resouceSizeMeasureId: Int?
    public var usageFactor: String?
    public var usageValue: Decimal?
    public var usageMeasureId: Int?
    public var extendParams: String?
}

public struct LegacyRatingRequest: Codable, Sendable {
    public var tenantId: String?
    public var regionId: String?
    public var avaliableZoneId: String?
    public var chargingMode: Int?
    public var periodType: Int?
    public var periodNum: Int?
    public var periodEndDate: String?
    public var relativeResourceId: String?
    public var relativeResourcePeriodType: Int?
    public var subscriptionNum: Int?
    public var inquiryTime: String?
    public var productInfos: [LegacyProductInfo]?
}

public struct LegacyProductRatingResult: Codable, Sendable {
    public var id: String
    public var productId: String
    public var amount: Decimal
    public var originalAmount: Decimal
    public var discountAmount: Decimal
    public var measureId: Int
}

public struct LegacyRatingResult: Codable, Sendable {
    public var amount: Decimal
    public var discountAmount: Decimal
    public var originalAmount: Decimal
    public var measureId: Int
    public var currency: String
    public var productRatingResult: [LegacyProductRatingResult]
}

public struct LegacyRatingResponse: Codable, Sendable {
    public var errorCode: String
    public var errorMsg: String
    public var ratingResult: LegacyRatingResult?
    enum CodingKeys: String, CodingKey { case errorCode = "error_code", errorMsg = "error_msg", ratingResult }
}

public struct LegacyChangeRequest: Codable, Sendable {
    public var productInfo: LegacyProductInfo?
    public var tenantId: String?
    public var resourceId: String?
    public var inquiryTime: String?
}

public struct LegacyChangeResult: Codable, Sendable {
    public var productId: String
    public var amount: Decimal
    public var discountAmount: Decimal
    public var originalAmount: Decimal
    public var measureId: Int
    public var currency: String
}

public struct LegacyChangeResponse: Codable, Sendable {
    public var errorCode: String
    public var errorMsg: String
    public var ratingResult: LegacyChangeResult?
    enum CodingKeys: String, CodingKey { case errorCode = "error_code", errorMsg = "error_msg", ratingResult }
}

extension RatingStore {
    /// The customer whose prices a v1.0 call sees: a customer's own id in the path, or a
    /// partner's (which quotes list prices, or its bound customer's for the change quote).
    static func legacyScope(_ db: any SQLDatabase, caller: Principal, pathID: String, customerRequired: Bool) async throws -> String? {
        if caller.kind == .customer {
            guard pathID == caller.domainID else { throw Refusal.forbidden }
            return caller.domainID
        }
        if !customerRequired && pathID == caller.domainID { return nil }
        guard try await db.raw("SELECT id FROM customers WHERE id = \(bind: pathID) AND partner_id = \(bind: caller.domainID) AND bound = 1").first() != nil else {
            throw Refusal.forbidden
        }
        return pathID
    }

    /// QueryRatingOld: a v1.0 inquiry answered by the v2 one, in the v1.0 shape.
    public func legacyRating(caller: Principal, _ q: LegacyRatingQuery) async throws -> LegacyRatingResponse {
        let at = try await database.businessNow(or: q.at)
        let unpriced = LegacyRatingResponse(errorCode: "CBC.6006", errorMsg: "The product being quoted cannot be found.", ratingResult: nil)
        if case .unpriced = q.inquiry { return unpriced }
        let customer: String? = try await database.read { db in try await Self.legacyScope(db, caller: caller, pathID: q.pathID, customerRequired: false) }
        do {
            switch q.inquiry {
            case .unpriced:
                return unpriced
            case .usage(let inquiry):
                let v2 = try await onDemand(customerID: customer ?? "", try inquiry.get(), at: at)
                return LegacyRatingResponse(errorCode: "CBC.0000", errorMsg: "Success", ratingResult: LegacyRatingResult(
                    amount: v2.amount, discountAmount: v2.discountAmount, originalAmount: v2.officialWebsiteAmount, measureId: 1, currency: Money.currency,
                    productRatingResult: v2.productRatingResults.map {
                        LegacyProductRatingResult(id: $0.id, productId: $0.productID, amount: $0.amount, originalAmount: $0.officialWebsiteAmount,
                                                  discountAmount: $0.discountAmount, measureId: 1)
                    }))
            case .period(let inquiry):
                let v2 = try await period(customerID: customer ?? "", try inquiry.get(), at: at)
                // The legacy answer carries the preferred discount: the best offer, if any.
                let best = v2.optionalDiscountRatingResults.first { $0.bestOffer == 1 }
                let official = v2.officialWebsiteRatingResult
                let items = official.productRatingResults.map { o -> LegacyProductRatingResult in
                    let d = best?.productRatingResults.first { $0.id == o.id }
                    return LegacyProductRatingResult(id: o.id, productId: o.productID, amount: d?.amount ?? o.officialWebsiteAmount,
                                                     originalAmount: o.officialWebsiteAmount, discountAmount: d?.discountAmount ?? 0, measureId: 1)
                }
                return LegacyRatingResponse(errorCode: "CBC.0000", errorMsg: "Success", ratingResult: LegacyRatingResult(
                    amount: best?.amount ?? official.officialWebsiteAmount, discountAmount: best?.discountAmount ?? 0,
                    originalAmount: official.officialWebsiteAmount, measureId: 1, currency: Money.currency, productRatingResult: items))
            }
        } catch let e as Refusal where [.productNotFound, .usageFactorUnknown, .usageUnitMismatch].contains(e.rule) {
            return LegacyRatingResponse(errorCode: "CBC.6006", errorMsg: "The product being quoted cannot be found: \(e.message)", ratingResult: nil)
        } catch let e as Refusal where e.rule == .ratingTooLarge {
            return LegacyRatingResponse(errorCode: "CBC.6055", errorMsg: "The inquiry result exceeds the maximum amount.", ratingResult: nil)
        }
    }

    /// QueryChangeRatingOld: the price difference, for the rest of the current period, of
    /// moving a yearly/monthly resource to a larger specification. Reductions are refused.
    public func legacyChangeRating(caller: Principal, _ q: LegacyChangeQuery) async throws -> LegacyChangeResponse {
        let (resourceID, service, resource, spec) = (q.resourceID, q.service, q.resource, q.spec)
        let at = try await database.businessNow(or: q.at)
        return try await database.read { db in
            guard let customer = try await Self.legacyScope(db, caller: caller, pathID: q.pathID, customerRequired: true) else { throw Refusal.forbidden }
            guard let row = try await db.raw("SELECT * FROM customer_resources WHERE resource_id = \(bind: resourceID) AND customer_id = \(bind: customer) AND charge_mode = 'period'").first() else {
                throw Refusal.parameter("resourceId", "does not name a yearly/monthly resource of this customer")
            }
            guard try row.decode(column: "resource_type", as: String.self) == resource, try row.decode(column: "service_type", as: String.self) == service else {
                throw Refusal.parameter("productInfo.resourceType", "must stay the resource's own type")
            }
            let region = try row.decode(column: "region", as: String.self)
            let expires = try row.decode(column: "expires_at", as: Int64.self)
            guard expires > at else { throw Refusal.parameter("resourceId", "names a resource whose period has ended") }
            let periodType = try row.decode(column: "period_type", as: Int?.self) ?? 2
            func daily(_ spec: String, _ size: Int?, sizeMeasure: Int?) async throws -> (Decimal, String)? {
                guard let plan = try await PriceBook.plan(db, service: service, resource: resource, spec: spec, region: region, mode: "period", factor: nil, at: at) else { return nil }
                let factor = plan.isLinear ? Decimal(size ?? 0) : 1
                if periodType == 3, let y = plan.yearPrice { return (y * factor / 365, plan.productID) }
                guard let m = plan.monthPrice else { return nil }
                return (m * factor / 30, plan.productID)
            }
            let oldSize = try row.decode(column: "spec_size", as: Int?.self)
            guard let (oldDaily, _) = try await daily(try row.decode(column: "resource_spec", as: String.self), oldSize, sizeMeasure: nil),
                  let (newDaily, newProduct) = try await daily(spec, q.size ?? oldSize, sizeMeasure: q.sizeMeasure) else {
                return LegacyChangeResponse(errorCode: "CBC.6006", errorMsg: "The product being quoted cannot be found.", ratingResult: nil)
            }
            guard newDaily > oldDaily else {
                throw Refusal.parameter("productInfo", "describes a reduction or no change; only upgrades can be quoted")
            }
            // Whole remaining days, the part-day counted as a day.
            let days = (expires - at + 86_399_999) / 86_400_000
            // A change quote is a yearly/monthly amount: to the fen, half-up, before and after the discount.
            let original = Money.roundedHalfUp((newDaily - oldDaily) * Decimal(days), scale: 2)
            let rate = try await DiscountStore.active(db, customerID: customer, at: at).filter { $0.serviceType == service }.map(\.rate).min()
            let amount = rate.map { Money.roundedHalfUp(original * $0, scale: 2) } ?? original
            guard original <= Self.maxAmount else { return LegacyChangeResponse(errorCode: "CBC.6055", errorMsg: "The inquiry result exceeds the maximum amount.", ratingResult: nil) }
            return LegacyChangeResponse(errorCode: "CBC.0000", errorMsg: "Success", ratingResult: LegacyChangeResult(
                productId: newProduct, amount: amount, discountAmount: original - amount, originalAmount: original, measureId: 1, currency: Money.currency))
        }
    }
}
