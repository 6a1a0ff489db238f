import Foundation

// The coupon operations' bodies, checked at the edge: what the coupon store acts on.

/// A time filter of the coupon lists: at most 20 characters, UTC, "" meaning none.
func filterTime(_ value: String?, _ field: String) throws -> Int64? {
    try Check.length(value, field, max: 20)
    return try Check.utcTime(Check.nonEmpty(value), field)
}

/// CreatePartnerCoupons: one coupon of `units` for each customer, from one quota.
public struct NewCoupons: CheckedRequest {
    public var quotaID: String
    public var customerIDs: [String]
    /// The face value of each coupon, in ledger units.
    public var units: Int64
    /// The coupons' validity; nil means the quota's own start or end.
    public var validFrom: Int64?
    public var validTo: Int64?
    public var indirectPartnerID: String?
    public var memo: String?
    public var serviceTypes: [String]
    public var productIDs: [String]

    public init(_ r: CreatePartnerCouponsRequest) throws {
        quotaID = try Check.required(r.quotaID, "quota_id", max: 64)
        guard let customers = r.customerIDs, !customers.isEmpty else { throw Refusal.parameter("customer_ids", "is required") }
        guard customers.count <= 100 else { throw Refusal.parameter("customer_ids", "has more than 100 entries") }
        for (i, c) in customers.enumerated() { _ = try Check.required(c, "customer_ids[\(i)]", max: 64) }
        customerIDs = customers
        units = try Units.from(try validAmount(r.faceValue, field: "face_value"))
        try Check.length(r.validTime, "valid_time", max: 20)
        try Check.length(r.expireTime, "expire_time", max: 20)
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 64)
        try Check.length(r.memo, "memo", max: 256)
        validFrom = try Check.utcTime(r.validTime, "valid_time")
        validTo = try Check.utcTime(r.expireTime, "expire_time")
        let services = r.cloudServiceTypes ?? []
        let products = r.productIDs ?? []
        guard services.count <= 10 else { throw Refusal.parameter("cloud_service_types", "has more than 10 entries") }
        guard products.count <= 10 else { throw Refusal.parameter("product_ids", "has more than 10 entries") }
        for (i, s) in services.enumerated() { _ = try Check.required(s, "cloud_service_types[\(i)]", max: 64) }
        for (i, s) in products.enumerated() { _ = try Check.required(s, "product_ids[\(i)]", max: 64) }
        serviceTypes = services
        productIDs = products
        indirectPartnerID = r.indirectPartnerID
        memo = r.memo
    }
}

/// ReclaimPartnerCoupons: one coupon's remaining value back to its quota.
public struct CouponReclaim: CheckedRequest {
    public var couponID: String
    public var indirectPartnerID: String?

    public init(_ r: ReclaimPartnerCouponsRequest) throws {
        couponID = try Check.required(r.couponID, "coupon_id", max: 64)
        if r.indirectPartnerID == "" { throw Refusal.parameter("indirect_partner_id", "must not be an empty string") }
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 100)
        indirectPartnerID = r.indirectPartnerID
    }
}

/// UpdateCouponQuotas: a child quota of `units` for each reseller, carved from one quota.
public struct QuotaGrants: CheckedRequest {
    public var quotaID: String
    public var resellerIDs: [String]
    public var units: Int64

    public init(_ r: AdjustCouponQuotasRequest) throws {
        quotaID = try Check.required(r.quotaID, "quota_id", max: 64)
        guard let resellers = r.indirectPartnerIDs, !resellers.isEmpty else { throw Refusal.parameter("indirect_partner_ids", "is required") }
        guard resellers.count <= 100 else { throw Refusal.parameter("indirect_partner_ids", "has more than 100 entries") }
        for (i, id) in resellers.enumerated() { _ = try Check.required(id, "indirect_partner_ids[\(i)]", max: 64) }
        resellerIDs = resellers
        units = try Units.from(try validAmount(r.quotaAmount, field: "quota_amount"))
    }
}

/// ReclaimCouponQuotas: child quotas whose remaining value goes back to their parents.
public struct QuotaReclaims: CheckedRequest {
    public var quotaIDs: [String]
    public var remark: String?

    public init(_ r: ReclaimCouponQuotasRequest) throws {
        guard let ids = r.quotaIDs, !ids.isEmpty else { throw Refusal.parameter("quota_ids", "is required") }
        guard ids.count <= 10 else { throw Refusal.parameter("quota_ids", "has more than 10 entries") }
        for (i, id) in ids.enumerated() { _ = try Check.required(id, "quota_ids[\(i)]", max: 64) }
        try Check.length(r.remark, "remark", max: 256)
        quotaIDs = ids
        remark = r.remark
    }
}

/// ListQuotaCoupons: the filters, checked.
public struct QuotaFilter: CheckedRequest {
    public var quotaIDs: [String]
    public var statuses: [Int]
    /// 0 (cash coupon quotas, the default) or 1.
    public var quotaType: Int
    public var indirectPartnerID: String?
    /// (column, begin, end) for the creation, effective and expiry windows.
    public var ranges: [(column: String, begin: Int64?, end: Int64?)]
    public var page: Page

    public init(_ r: QueryCouponQuotasRequest) throws {
        if let ids = r.quotaIDs, ids.count > 50 { throw Refusal.parameter("quota_ids", "has more than 50 entries") }
        if let s = r.quotaStatusList {
            guard s.count <= 5 else { throw Refusal.parameter("quota_status_list", "has more than 5 entries") }
            guard s.allSatisfy({ [0, 3, 4, 5].contains($0) }) else { throw Refusal.parameter("quota_status_list", "values must be 0, 3, 4 or 5") }
        }
        if let t = r.quotaType, t != 0 && t != 1 { throw Refusal.parameter("quota_type", "must be 0 or 1") }
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 64)
        ranges = [("q.created_at", try filterTime(r.createTimeBegin, "create_time_begin"), try filterTime(r.createTimeEnd, "create_time_end")),
                  ("q.effective_at", try filterTime(r.effectiveTimeBegin, "effective_time_begin"), try filterTime(r.effectiveTimeEnd, "effective_time_end")),
                  ("q.expires_at", try filterTime(r.expireTimeBegin, "expire_time_begin"), try filterTime(r.expireTimeEnd, "expire_time_end"))]
        page = try Page(offset: r.offset, limit: r.limit, maxOffset: Int(Int32.max))
        quotaIDs = r.quotaIDs ?? []
        statuses = r.quotaStatusList ?? []
        quotaType = r.quotaType ?? 0
        indirectPartnerID = r.indirectPartnerID
    }
}
