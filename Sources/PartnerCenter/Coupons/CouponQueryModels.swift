import Foundation

// The GET operations' query strings, parsed and checked: what the coupon store reads them as.

/// A time filter given to the second (UTC, milliseconds); either end may be open.
public struct TimeRange: Sendable, Equatable {
    public var begin: Int64?
    public var end: Int64?

    public init(begin: Int64?, end: Int64?) {
        self.begin = begin
        self.end = end
    }
}

/// ListIssuedCouponQuotas
public struct ListIssuedQuotasQuery: Sendable {
    public var quotaID: String?
    public var indirectPartnerID: String?
    /// Taken as given: an empty value filters for quotas without a parent.
    public var parentQuotaID: String?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        quotaID = Check.nonEmpty(query["quota_id"])
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        parentQuotaID = query["parent_quota_id"]
        try Check.length(quotaID, "quota_id", max: 64)
        try Check.length(indirectPartnerID, "indirect_partner_id", max: 64)
        try Check.length(parentQuotaID, "parent_quota_id", max: 64)
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
    }
}

/// ListCouponQuotasRecords
public struct QuotaRecordsQuery: Sendable {
    public var indirectPartnerID: String?
    public var quotaID: String?
    public var parentQuotaID: String?
    /// "10" (grant) or "11" (reclaim); any other value means no filter, as documented.
    public var operationType: String?
    public var operationTime: TimeRange
    public var page: Page

    public init(_ query: QueryParameters) throws {
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        quotaID = Check.nonEmpty(query["quota_id"])
        parentQuotaID = Check.nonEmpty(query["parent_quota_id"])
        operationType = Check.nonEmpty(query["operation_type"]).flatMap { $0 == "10" || $0 == "11" ? $0 : nil }
        for (v, f, m) in [(indirectPartnerID, "indirect_partner_id", 64), (quotaID, "quota_id", 64), (parentQuotaID, "parent_quota_id", 64)] {
            try Check.length(v, f, max: m)
        }
        if query["operation_time_begin"] == "" { throw Refusal.parameter("operation_time_begin", "must not be an empty string") }
        if query["operation_time_end"] == "" { throw Refusal.parameter("operation_time_end", "must not be an empty string") }
        let begin = try filterTime(query["operation_time_begin"], "operation_time_begin")
        let end = try filterTime(query["operation_time_end"], "operation_time_end")
        operationTime = TimeRange(begin: begin, end: end)
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
    }
}

/// ListIssuedPartnerCoupons
public struct ListCouponsQuery: Sendable {
    public var couponID: String?
    public var customerID: String?
    public var orderID: String?
    public var indirectPartnerID: String?
    public var couponType: Int?
    public var status: Int?
    public var createTime: TimeRange
    public var effectiveTime: TimeRange
    public var expireTime: TimeRange
    public var page: Page

    public init(_ query: QueryParameters) throws {
        couponID = Check.nonEmpty(query["coupon_id"])
        customerID = Check.nonEmpty(query["customer_id"])
        orderID = Check.nonEmpty(query["order_id"])
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        for (v, f) in [(couponID, "coupon_id"), (customerID, "customer_id"), (orderID, "order_id"), (indirectPartnerID, "indirect_partner_id")] {
            try Check.length(v, f, max: 64)
        }
        couponType = try query.queryInt("coupon_type")
        if let t = couponType, t != 1 && t != 4 { throw Refusal.parameter("coupon_type", "must be 1 or 4") }
        status = try query.queryInt("status")
        try Check.range(status, "status", 1...5)
        func range(_ name: String) throws -> TimeRange {
            let begin = try filterTime(query[name + "_begin"], name + "_begin")
            return TimeRange(begin: begin, end: try filterTime(query[name + "_end"], name + "_end"))
        }
        createTime = try range("create_time")
        effectiveTime = try range("effective_time")
        expireTime = try range("expire_time")
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
    }
}

/// ListPartnerCouponsRecord
public struct CouponRecordsQuery: Sendable {
    /// nil when operation_types is not given; given only empty, it is [] and matches nothing.
    public var operationTypes: [String]?
    public var couponIDs: [String]
    public var quotaID: String?
    public var customerID: String?
    public var indirectPartnerID: String?
    public var quotaType: Int?
    /// "0" or "-1"; any other value is ignored, as documented.
    public var result: String?
    public var operationTime: TimeRange
    public var page: Page

    public init(_ query: QueryParameters) throws {
        let types = query.values("operation_types")
        couponIDs = query.values("coupon_ids").filter { !$0.isEmpty }
        guard types.count <= 8 else { throw Refusal.parameter("operation_types", "has more than 8 entries") }
        guard couponIDs.count <= 100 else { throw Refusal.parameter("coupon_ids", "has more than 100 entries") }
        for t in types where !t.isEmpty { try Check.oneOf(t, "operation_types", Set((1...9).map(String.init))) }
        quotaID = Check.nonEmpty(query["quota_id"])
        customerID = Check.nonEmpty(query["customer_id"])
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        for (v, f) in [(quotaID, "quota_id"), (customerID, "customer_id"), (indirectPartnerID, "indirect_partner_id")] { try Check.length(v, f, max: 64) }
        quotaType = try query.queryInt("quota_type")
        if let t = quotaType, t != 0 && t != 1 { throw Refusal.parameter("quota_type", "must be 0 or 1") }
        result = Check.nonEmpty(query["result"]).flatMap { $0 == "0" || $0 == "-1" ? $0 : nil }
        let begin = try filterTime(query["operation_time_begin"], "operation_time_begin")
        let end = try filterTime(query["operation_time_end"], "operation_time_end")
        operationTime = TimeRange(begin: begin, end: end)
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
        operationTypes = query.contains("operation_types") ? types.filter { !$0.isEmpty } : nil
    }
}

/// ListSubCustomerCoupons: the caller's own coupons (a customer's, or a partner's).
public struct OwnCouponsQuery: Sendable {
    public var couponID: String?
    public var orderID: String?
    public var promotionPlanID: String?
    /// 1 cash coupon (代金券), 2 discount coupon, 3 product coupon, 4 flexi-purchase coupon (现金券).
    public var couponType: Int?
    public var status: Int?
    public var activeFrom: Int64?
    public var activeUntil: Int64?
    public var sourceID: String?
    public var indirectPartnerID: String?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        couponID = Check.nonEmpty(query["coupon_id"])
        orderID = Check.nonEmpty(query["order_id"])
        promotionPlanID = Check.nonEmpty(query["promotion_plan_id"])
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        for (v, f) in [(couponID, "coupon_id"), (orderID, "order_id"), (promotionPlanID, "promotion_plan_id"), (indirectPartnerID, "indirect_partner_id")] {
            try Check.length(v, f, max: 64)
        }
        sourceID = Check.nonEmpty(query["source_id"])
        try Check.length(sourceID, "source_id", max: 255)
        couponType = try query.queryInt("coupon_type")
        try Check.range(couponType, "coupon_type", 1...4)
        status = try query.queryInt("status")
        try Check.range(status, "status", 1...5)
        activeFrom = try filterTime(query["active_start_time"], "active_start_time")
        activeUntil = try filterTime(query["active_end_time"], "active_end_time")
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
    }
}

/// ListCustomerCouponChangeRecords
public struct CouponChangesQuery: Sendable {
    public var revenueExpenseType: String?
    public var tradeType: String?
    public var tradeID: String?
    public var couponID: String?
    public var tradeDays: TradeDays
    let deferredPage: Deferred<Page>
    /// Throws the offset/limit error, if there is one; read it after settling the trade window.
    public var page: Page { get throws { try deferredPage.get() } }

    public init(_ query: QueryParameters) throws {
        guard let balanceType = Check.nonEmpty(query["balance_type"]) else { throw Refusal.parameter("balance_type", "is required") }
        try Check.oneOf(balanceType, "balance_type", ["BALANCE_TYPE_COUPON"])
        revenueExpenseType = query["revenue_expense_type"]
        try Check.oneOf(revenueExpenseType, "revenue_expense_type", ["REVENUE", "EXPENSE"])
        tradeType = query["trade_type"]
        try Check.oneOf(tradeType, "trade_type", CouponStore.couponTradeTypes)
        tradeID = Check.nonEmpty(query["trade_id"])
        try Check.length(tradeID, "trade_id", max: 128)
        couponID = Check.nonEmpty(query["coupon_id"])
        try Check.length(couponID, "coupon_id", max: 64)
        tradeDays = try TradeDays(query)
        deferredPage = try Deferred {
            try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
        }
    }
}
