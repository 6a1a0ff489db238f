import Foundation

// Wire models for coupon quotas and coupons, keys as the official SDK spells them.

public struct ErrorDetail: Codable, Sendable {
    public var errorCode: String
    public var errorMsg: String
    public var id: String
    enum CodingKeys: String, CodingKey { case errorCode = "error_code", errorMsg = "error_msg", id }
    init(_ id: String, _ r: Refusal) { self.id = id; errorCode = r.rule.wire.code; errorMsg = r.message }
}

public struct LimitValue: Codable, Sendable, Equatable {
    public var value1: String?
    public var value2: String?
}

/// QuotaLimitInfo: e.g. `cloudServiceType` with the allowed service type codes.
public struct QuotaLimitInfo: Codable, Sendable, Equatable {
    public var limitKey: String
    public var limitValues: [LimitValue]
    enum CodingKeys: String, CodingKey { case limitKey = "limit_key", limitValues = "limit_values" }
}

/// AdjustCouponQuotasReq
public struct AdjustCouponQuotasRequest: Codable, Sendable {
    public var quotaID: String?
    public var indirectPartnerIDs: [String]?
    public var quotaAmount: Decimal?
    enum CodingKeys: String, CodingKey { case quotaID = "quota_id", indirectPartnerIDs = "indirect_partner_ids", quotaAmount = "quota_amount" }
}

public struct QuotaSimpleInfo: Codable, Sendable {
    public var id: String
    public var quotaID: String
    enum CodingKeys: String, CodingKey { case id, quotaID = "quota_id" }
}

public struct AdjustCouponQuotasResponse: Codable, Sendable {
    public var errorDetails: [ErrorDetail]
    public var simpleQuotaInfos: [QuotaSimpleInfo]
    enum CodingKeys: String, CodingKey { case errorDetails = "error_details", simpleQuotaInfos = "simple_quota_infos" }
}

/// ReclaimCouponQuotasReq
public struct ReclaimCouponQuotasRequest: Codable, Sendable {
    public var quotaIDs: [String]?
    public var remark: String?
    enum CodingKeys: String, CodingKey { case quotaIDs = "quota_ids", remark }
}

public struct QuotaReclaim: Codable, Sendable {
    public var quotaID: String
    public var quotaBalance: Decimal
    enum CodingKeys: String, CodingKey { case quotaID = "quota_id", quotaBalance = "quota_balance" }
}

public struct ReclaimCouponQuotasResponse: Codable, Sendable {
    public var errorDetails: [ErrorDetail]
    public var simpleQuotaInfos: [QuotaReclaim]
    enum CodingKeys: String, CodingKey { case errorDetails = "error_details", simpleQuotaInfos = "simple_quota_infos" }
}

/// CouponQuotaV2, and IssuedCouponQuota with the reseller fields.
public struct CouponQuota: Codable, Sendable {
    public var quotaID: String
    public var quotaType: Int
    public var createTime: String
    public var lastUpdateTime: String
    public var quotaValue: Decimal
    public var quotaStatus: Int
    public var balance: Decimal
    public var measureID: Int
    public var currency: String
    public var effectiveTime: String
    public var expireTime: String
    public var limitInfos: [QuotaLimitInfo]
    public var indirectPartnerID: String?
    public var indirectPartnerAccountName: String?
    public var indirectPartnerName: String?
    public var parentQuotaID: String?
    enum CodingKeys: String, CodingKey {
        case quotaID = "quota_id", quotaType = "quota_type", createTime = "create_time", lastUpdateTime = "last_update_time"
        case quotaValue = "quota_value", quotaStatus = "quota_status", balance, measureID = "measure_id", currency
        case effectiveTime = "effective_time", expireTime = "expire_time", limitInfos = "limit_infos"
        case indirectPartnerID = "indirect_partner_id", indirectPartnerAccountName = "indirect_partner_account_name"
        case indirectPartnerName = "indirect_partner_name", parentQuotaID = "parent_quota_id"
    }
}

public struct QuotaList: Codable, Sendable {
    public var totalCount: Int
    public var quotas: [CouponQuota]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", quotas }
}

/// QueryCouponQuotasReqExt
public struct QueryCouponQuotasRequest: Codable, Sendable {
    public var quotaIDs: [String]?
    public var quotaStatusList: [Int]?
    public var quotaType: Int?
    public var createTimeBegin: String?
    public var createTimeEnd: String?
    public var effectiveTimeBegin: String?
    public var effectiveTimeEnd: String?
    public var expireTimeBegin: String?
    public var expireTimeEnd: String?
    public var offset: Int?
    public var limit: Int?
    public var indirectPartnerID: String?
    enum CodingKeys: String, CodingKey {
        case quotaIDs = "quota_ids", quotaStatusList = "quota_status_list", quotaType = "quota_type"
        case createTimeBegin = "create_time_begin", createTimeEnd = "create_time_end"
        case effectiveTimeBegin = "effective_time_begin", effectiveTimeEnd = "effective_time_end"
        case expireTimeBegin = "expire_time_begin", expireTimeEnd = "expire_time_end"
        case offset, limit, indirectPartnerID = "indirect_partner_id"
    }
}

/// QuotaRecord
public struct QuotaRecord: Codable, Sendable {
    public var id: String
    public var `operator`: String
    public var operationType: String
    public var quotaID: String
    public var parentQuotaID: String
    public var amount: Decimal
    public var operationTime: String
    public var result: String
    public var indirectPartnerAccountName: String
    public var indirectPartnerID: String
    public var indirectPartnerName: String
    public var remark: String
    enum CodingKeys: String, CodingKey {
        case id, `operator`, operationType = "operation_type", quotaID = "quota_id", parentQuotaID = "parent_quota_id", amount
        case operationTime = "operation_time", result, indirectPartnerAccountName = "indirect_partner_account_name"
        case indirectPartnerID = "indirect_partner_id", indirectPartnerName = "indirect_partner_name", remark
    }
}

public struct QuotaRecordList: Codable, Sendable {
    public var totalCount: Int
    public var records: [QuotaRecord]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", records }
}

/// CreatePartnerCouponsReq
public struct CreatePartnerCouponsRequest: Codable, Sendable {
    public var quotaID: String?
    public var customerIDs: [String]?
    public var faceValue: Decimal?
    public var validTime: String?
    public var expireTime: String?
    public var cloudServiceTypes: [String]?
    public var productIDs: [String]?
    public var memo: String?
    public var indirectPartnerID: String?
    enum CodingKeys: String, CodingKey {
        case quotaID = "quota_id", customerIDs = "customer_ids", faceValue = "face_value", validTime = "valid_time"
        case expireTime = "expire_time", cloudServiceTypes = "cloud_service_types", productIDs = "product_ids", memo
        case indirectPartnerID = "indirect_partner_id"
    }
}

public struct CouponSimpleInfo: Codable, Sendable {
    public var id: String
    public var couponID: String
    enum CodingKeys: String, CodingKey { case id, couponID = "coupon_id" }
}

public struct CreatePartnerCouponsResponse: Codable, Sendable {
    public var errorDetails: [ErrorDetail]
    public var couponInfos: [CouponSimpleInfo]
    enum CodingKeys: String, CodingKey { case errorDetails = "error_details", couponInfos = "coupon_infos" }
}

/// ReclaimPartnerCouponsReq
public struct ReclaimPartnerCouponsRequest: Codable, Sendable {
    public var couponID: String?
    public var indirectPartnerID: String?
    enum CodingKeys: String, CodingKey { case couponID = "coupon_id", indirectPartnerID = "indirect_partner_id" }
}

/// ICouponUseLimitInfoV2 (the `use_limiti_info_id` spelling is Huawei's).
public struct CouponUseLimit: Codable, Sendable {
    public var useLimitiInfoID: String
    public var limitKey: String
    public var value1: String
    public var value2: String
    public var valueUnit: String
    public var limitType: String
    public var promotionPlanID: String
    enum CodingKeys: String, CodingKey {
        case useLimitiInfoID = "use_limiti_info_id", limitKey = "limit_key", value1, value2, valueUnit = "value_unit"
        case limitType = "limit_type", promotionPlanID = "promotion_plan_id"
    }
}

/// IQueryUserPartnerCouponsResultV2
public struct IssuedCoupon: Codable, Sendable {
    public var couponID: String
    public var status: Int
    public var customerID: String
    public var couponType: Int
    public var measureID: Int
    public var faceValue: Decimal
    public var effectiveTime: String
    public var expireTime: String
    public var orderID: String
    public var promotionPlanID: String
    public var promotionPlanName: String
    public var promotionPlanDesc: String
    public var mediaType: Int
    public var fetchMethod: Int
    public var useLimits: [CouponUseLimit]
    public var activeTime: String
    public var lastUsedTime: String
    public var promotionID: String
    public var createTime: String
    public var balance: Decimal
    public var lockOrderID: String
    public var isFrozen: String
    enum CodingKeys: String, CodingKey {
        case couponID = "coupon_id", status, customerID = "customer_id", couponType = "coupon_type", measureID = "measure_id"
        case faceValue = "face_value", effectiveTime = "effective_time", expireTime = "expire_time", orderID = "order_id"
        case promotionPlanID = "promotion_plan_id", promotionPlanName = "promotion_plan_name", promotionPlanDesc = "promotion_plan_desc"
        case mediaType = "media_type", fetchMethod = "fetch_method", useLimits = "use_limits", activeTime = "active_time"
        case lastUsedTime = "last_used_time", promotionID = "promotion_id", createTime = "create_time", balance
        case lockOrderID = "lock_order_id", isFrozen = "is_frozen"
    }
}

public struct IssuedCouponList: Codable, Sendable {
    public var totalCount: Int
    public var userCoupons: [IssuedCoupon]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", userCoupons = "user_coupons" }
}

/// CouponRecordV2
public struct CouponRecord: Codable, Sendable {
    public var id: String
    public var operationType: String
    public var quotaID: String
    public var quotaType: Int
    public var couponID: String
    public var customerID: String
    public var operationAmount: Decimal
    public var operationTime: String
    public var result: String
    public var remark: String
    enum CodingKeys: String, CodingKey {
        case id, operationType = "operation_type", quotaID = "quota_id", quotaType = "quota_type", couponID = "coupon_id"
        case customerID = "customer_id", operationAmount = "operation_amount", operationTime = "operation_time", result, remark
    }
}

public struct CouponRecordList: Codable, Sendable {
    public var totalCount: Int
    public var records: [CouponRecord]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", records }
}

/// IQueryUserCouponsResultV2 (ListSubCustomerCoupons): a coupon as its holder sees it.
public struct UserCoupon: Codable, Sendable {
    public var couponID: String
    public var couponCode: String
    public var status: Int
    public var customerID: String
    public var couponType: Int
    public var measureID = 1
    public var faceValue: Decimal
    public var validTime: String
    public var expireTime: String
    /// The order that last used it, if any.
    public var orderID: String?
    public var mediaType = 1
    /// 3: issued online (by the partner).
    public var fetchMethod = 3
    public var useLimits: [CouponUseLimit]
    public var activeTime: String
    /// When it was last used to pay an order.
    public var reserveTime: String?
    public var createTime: String
    /// 2: reusable until its balance is spent.
    public var couponVersion = 2
    public var balance: Decimal
    public var isFrozen = "0"
    public var currency = "CNY"
    /// The issuing partner.
    public var sourceID: String
    enum CodingKeys: String, CodingKey {
        case couponID = "coupon_id", couponCode = "coupon_code", status, customerID = "customer_id", couponType = "coupon_type"
        case measureID = "measure_id", faceValue = "face_value", validTime = "valid_time", expireTime = "expire_time", orderID = "order_id"
        case mediaType = "media_type", fetchMethod = "fetch_method", useLimits = "use_limits", activeTime = "active_time"
        case reserveTime = "reserve_time", createTime = "create_time", couponVersion = "coupon_version", balance
        case isFrozen = "is_frozen", currency, sourceID = "source_id"
    }
}

/// ListSubCustomerCouponsResponse: `count`, not `total_count`.
public struct UserCouponList: Codable, Sendable {
    public var count: Int
    public var userCoupons: [UserCoupon]
    enum CodingKeys: String, CodingKey { case count, userCoupons = "user_coupons" }
}

/// CustomerCouponChangeRecord: amounts as decimal text, as Huawei sends them.
public struct CouponChangeRecord: Codable, Sendable {
    public var couponID: String
    public var tradeDetailType: String
    public var tradeTime: String
    public var tradeID: String
    public var changeAmount: String
    public var balanceAfterChange: String
    public var revenueExpenseType: String
    public var billCycle: String
    public var accountName: String
    public var cloudServiceTypeName: String?
    public var resourceTypeName: String?
    enum CodingKeys: String, CodingKey {
        case couponID = "coupon_id", tradeDetailType = "trade_detail_type", tradeTime = "trade_time", tradeID = "trade_id"
        case changeAmount = "change_amount", balanceAfterChange = "balance_after_change", revenueExpenseType = "revenue_expense_type"
        case billCycle = "bill_cycle", accountName = "account_name", cloudServiceTypeName = "cloud_service_type_name", resourceTypeName = "resource_type_name"
    }
}

public struct CouponChangeRecords: Codable, Sendable {
    public var totalCount: Int
    public var currency: String
    public var records: [CouponChangeRecord]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", currency, records }
}
