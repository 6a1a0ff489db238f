import Foundation
import SQLKit

/// NvlCostAnalysedBillDetail (ListCustomerBillsMonthlyBreakDown).
public struct AmortizedCost: Codable, Sendable {
    public var sharedMonth: String
    public var billCycle: String
    public var billType: Int
    public var customerID: String
    public var regionCode: String
    public var regionName: String
    public var serviceTypeCode: String
    public var resourceTypeCode: String
    public var serviceTypeName: String?
    public var resourceTypeName: String?
    /// Pay-per-use only: the usage period.
    public var effectiveTime: String?
    public var expireTime: String?
    public var resourceID: String
    public var resourceName: String
    public var resourceTag = ""
    public var productSpecDesc: String
    public var enterpriseProjectID = "0"
    public var enterpriseProjectName = "default"
    public var chargingMode: Int
    /// Subscriptions only.
    public var orderID: String?
    public var periodType: Int
    public var usageType: String?
    public var usage: Decimal?
    public var usageMeasureID: Int?
    public var freeResourceUsage: Decimal?
    public var freeResourceMeasureID: Int?
    public var consumeAmount: Decimal
    public var pastMonthsAmortizedAmount: Decimal
    public var currentMonthAmortizedAmount: Decimal
    public var futureMonthsAmortizedAmount: Decimal
    public var amortizedCashAmount: Decimal
    public var amortizedCreditAmount: Decimal
    public var amortizedCouponAmount: Decimal
    public var amortizedFlexipurchaseCouponAmount: Decimal = 0
    public var amortizedStoredValueCardAmount: Decimal = 0
    public var amortizedBonusAmount: Decimal = 0
    public var effectiveTagPairs: [String] = []
    public var costUnitPairs: [String] = []
    enum CodingKeys: String, CodingKey {
        case sharedMonth = "shared_month", billCycle = "bill_cycle", billType = "bill_type", customerID = "customer_id", regionCode = "region_code"
        case regionName = "region_name", serviceTypeCode = "service_type_code", resourceTypeCode = "resource_type_code"
        case serviceTypeName = "service_type_name", resourceTypeName = "resource_type_name", effectiveTime = "effective_time", expireTime = "expire_time"
        case resourceID = "resource_id", resourceName = "resource_name", resourceTag = "resource_tag", productSpecDesc = "product_spec_desc"
        case enterpriseProjectID = "enterprise_project_id", enterpriseProjectName = "enterprise_project_name", chargingMode = "charging_mode"
        case orderID = "order_id", periodType = "period_type", usageType = "usage_type", usage, usageMeasureID = "usage_measure_id"
        case freeResourceUsage = "free_resource_usage", freeResourceMeasureID = "free_resource_measure_id", consumeAmount = "consume_amount"
        case pastMonthsAmortizedAmount = "past_months_amortized_amount", currentMonthAmortizedAmount = "current_month_amortized_amount"
        case futureMonthsAmortizedAmount = "future_months_amortized_amount", amortizedCashAmount = "amortized_cash_amount"
        case amortizedCreditAmount = "amortized_credit_amount", amortizedCouponAmount = "amortized_coupon_amount"
        case amortizedFlexipurchaseCouponAmount = "amortized_flexipurchase_coupon_amount"
        case amortizedStoredValueCardAmount = "amortized_stored_value_card_amount", amortizedBonusAmount = "amortized_bonus_amount"
        case effectiveTagPairs = "effective_tag_pairs", costUnitPairs = "cost_unit_pairs"
    }
}

public struct AmortizedCostList: Codable, Sendable {
    public var currency: String
    public var totalCount: Int
    public var details: [AmortizedCost]
    enum CodingKeys: String, CodingKey { case currency, totalCount = "total_count", details }
}

/// How a charge is spread over months (the amortization rule, one place).
///
/// A yearly/monthly fee (a purchase, renewal or refund) is spread over its service period in
/// proportion to time: what lies before a month is the share of the period elapsed by the
/// month's start, what lies through it the share elapsed by its end, each rounded half-up to
/// the fen per payment source; the month's amount is the difference. So past + current +
/// future is the fee exactly, every month's current amount is the sum of its sources, and
/// the months of a period add up to the fee. Arrears amortize as cash (they are repaid in
/// cash). A pay-per-use fee lands whole in its billing month.
enum Amortization {
    struct Split: Equatable {
        var past: Int64 = 0, current: Int64 = 0, future: Int64 = 0
        var cash: Int64 = 0, credit: Int64 = 0, coupon: Int64 = 0
    }

    /// The share of `units` for `elapsed` of `total` milliseconds, half-up to the fen.
    static func share(_ units: Int64, _ elapsed: Int64, of total: Int64) throws -> Int64 {
        precondition(total > 0 && elapsed >= 0 && elapsed <= total, "a share lies within its period")
        if elapsed == 0 { return 0 }
        if elapsed == total { return units }
        return try Units.from(Money.roundedHalfUp(Units.decimal(units) * Decimal(elapsed) / Decimal(total), scale: 2))
    }

    /// A fee of `sources` (cash, credit, coupon, arrears) for [begin, end), seen from the month [from, until).
    static func split(cash: Int64, credit: Int64, coupon: Int64, debt: Int64, begin: Int64, end: Int64, month from: Int64, until: Int64) throws -> Split {
        let total = max(end - begin, 1)
        let before = min(max(from - begin, 0), total), through = min(max(until - begin, 0), total)
        var s = Split()
        for (units, keyPath) in [(cash + debt, \Split.cash), (credit, \Split.credit), (coupon, \Split.coupon)] {
            let past = try share(units, before, of: total), thru = try share(units, through, of: total)
            s[keyPath: keyPath] = thru - past
            s.past += past
            s.current += thru - past
            s.future += units - thru
        }
        assert(s.past + s.current + s.future == cash + credit + coupon + debt, "an amortized fee adds up to the fee")
        assert(s.current == s.cash + s.credit + s.coupon, "a month's amount is the sum of its sources")
        return s
    }
}

extension BillingStore {
    /// ListCustomerBillsMonthlyBreakDown: what the customer's charges cost in one month, by
    /// the amortization rule: each pay-per-use resource's fees of the month, and every
    /// yearly/monthly fee whose service period overlaps the month.
    public func monthlyBreakdown(caller: Principal, english: Bool, _ q: MonthlyBreakdownQuery) async throws -> AmortizedCostList {
        let now = try await database.businessNow()
        let current = BillingStore.cycle(now)
        guard q.month <= current, q.month >= Self.monthsBefore(current, 17) else {
            throw Refusal.parameter("shared_month", "must lie within the last 18 months (\(Self.monthsBefore(current, 17)) to \(current))")
        }
        let start = WireTime.parseUTC(q.month + "-01T00:00:00Z")! - WireTime.beijingOffset
        let next = Self.monthsBefore(q.month, -1)
        let end = WireTime.parseUTC(next + "-01T00:00:00Z")! - WireTime.beijingOffset
        let everything = try Page(offset: 0, limit: 1_000_000, maxLimit: 1_000_000)
        return try await database.read { db in
            var base = FeeGroupFilter(cycle: nil, billType: q.billType, includeZero: false, serviceType: q.serviceType, resourceType: q.resourceType,
                                      region: q.region, resourceID: q.resourceID, tradeID: nil, resourceName: q.resourceName, nobody: q.nobody)
            var groups: [FeeGroup] = []
            if q.chargingMode == nil || q.chargingMode == 1 {
                base.chargeMode = 1
                base.overlapping = (start, end)
                groups += try await Self.feeGroups(db, customerID: caller.domainID, base, statistic: 3, page: everything).groups
            }
            if q.chargingMode != 1 {
                base.chargeMode = q.chargingMode
                base.overlapping = nil
                base.cycle = q.month
                groups += try await Self.feeGroups(db, customerID: caller.domainID, base, statistic: 1, page: everything).groups
                    .filter { $0.chargingMode != 1 }
            }
            groups.sort { ($0.tradeTime, $0.id) > ($1.tradeTime, $1.id) }
            let page = Array(groups.dropFirst(q.page.offset).prefix(q.page.limit))
            let (services, resources) = try await Self.catalogNames(db, english: english)
            var periods: [String: Int?] = [:]
            let ids = Array(Set(page.filter { $0.chargingMode == 1 }.map(\.resourceID)))
            if !ids.isEmpty {
                for r in try await db.raw("SELECT resource_id, period_type FROM customer_resources WHERE customer_id = \(bind: caller.domainID) AND resource_id IN (\(binds: ids))").all() {
                    periods[try r.decode(column: "resource_id", as: String.self)] = try r.decode(column: "period_type", as: Int?.self)
                }
            }
            let d = Units.decimal
            return AmortizedCostList(currency: Ledger.currency, totalCount: groups.count, details: try page.map { g in
                let subscription = g.chargingMode == 1
                let s = subscription
                    ? try Amortization.split(cash: g.cash, credit: g.credit, coupon: g.coupon, debt: g.debt, begin: g.firstBegin, end: g.lastEnd, month: start, until: end)
                    : Amortization.Split(current: g.consume, cash: g.cash + g.debt, credit: g.credit, coupon: g.coupon)
                return AmortizedCost(
                    sharedMonth: q.month, billCycle: g.cycle, billType: g.billType, customerID: caller.domainID, regionCode: g.region, regionName: g.region,
                    serviceTypeCode: g.serviceType, resourceTypeCode: g.resourceType, serviceTypeName: services[g.serviceType],
                    resourceTypeName: resources[g.resourceType], effectiveTime: subscription ? nil : WireTime.utc(g.firstBegin),
                    expireTime: subscription ? nil : WireTime.utc(g.lastEnd), resourceID: g.resourceID, resourceName: g.resourceName,
                    productSpecDesc: g.spec, chargingMode: g.chargingMode, orderID: subscription ? g.tradeID : nil,
                    periodType: subscription ? ((periods[g.resourceID] ?? nil) == 3 ? 19 : 20) : 25, usageType: g.usageType, usage: g.usage,
                    usageMeasureID: g.usageMeasureID, freeResourceUsage: g.free, freeResourceMeasureID: g.free == nil ? nil : g.freeMeasureID,
                    consumeAmount: d(g.consume), pastMonthsAmortizedAmount: d(s.past), currentMonthAmortizedAmount: d(s.current),
                    futureMonthsAmortizedAmount: d(s.future), amortizedCashAmount: d(s.cash), amortizedCreditAmount: d(s.credit),
                    amortizedCouponAmount: d(s.coupon))
            })
        }
    }
}
