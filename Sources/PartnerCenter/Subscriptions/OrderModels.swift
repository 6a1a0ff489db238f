import Foundation

// Orders as the SDK reads and writes them (huaweicloudsdkbss v2 models). Amounts are JSON
// numbers in yuan; absent optionals are left out.

/// AmountInfomationV2 (the SDK's spelling): how an amount after discounts was paid.
public struct OrderAmountInfo: Codable, Sendable, Equatable {
    public struct Discount: Codable, Sendable, Equatable {
        /// "607": a partner-granted discount.
        public var discountType: String
        public var discountAmount: Decimal
        enum CodingKeys: String, CodingKey { case discountType = "discount_type", discountAmount = "discount_amount" }
    }
    public var discounts: [Discount]
    /// Cash coupons (现金券, coupon type 302).
    public var flexipurchaseCouponAmount: Decimal
    /// Vouchers (代金券, coupon type 301).
    public var couponAmount: Decimal
    public var storedCardAmount: Decimal
    public var commissionAmount: Decimal?
    public var consumedAmount: Decimal?
    enum CodingKeys: String, CodingKey {
        case discounts, flexipurchaseCouponAmount = "flexipurchase_coupon_amount", couponAmount = "coupon_amount"
        case storedCardAmount = "stored_card_amount", commissionAmount = "commission_amount", consumedAmount = "consumed_amount"
    }
}

public struct EnterpriseProjectInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
}

public struct AgentPayInfo: Codable, Sendable, Equatable {
    public var payingAgentID: String?
    public var isAgentPay: Bool
    enum CodingKeys: String, CodingKey { case payingAgentID = "paying_agent_id", isAgentPay = "is_agent_pay" }
}

/// CustomerOrderV2 (ListCustomerOrders) and CustomerOrderV3 (ShowCustomerOrderDetails): one
/// order's header. The list carries `enterprise_projects` and `agent_pay_info`; the details
/// `user_name` and `pending_payment_end_time`.
public struct OrderInfo: Codable, Sendable, Equatable {
    public var orderID: String
    public var customerID: String
    public var serviceTypeCode: String
    public var serviceTypeName: String?
    /// 1 customer (console), 8 the system (auto-renewal).
    public var sourceType: Int
    /// 2 pending refund, 3 processing, 4 cancelled, 5 completed, 6 pending payment.
    public var status: Int
    /// 1 new purchase, 2 renewal, 4 unsubscription, 10 to pay-per-use.
    public var orderType: Int
    public var amountAfterDiscount: Decimal
    public var officialAmount: Decimal
    public var measureID: Int
    public var createTime: String
    public var paymentTime: String?
    public var currency: String
    public var contractID: String?
    public var amountInfo: OrderAmountInfo
    public var enterpriseProjects: [EnterpriseProjectInfo]?
    public var subOrderInfos: [OrderInfo]?
    public var agentPayInfo: AgentPayInfo?
    public var userName: String?
    public var pendingPaymentEndTime: String?
    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", customerID = "customer_id", serviceTypeCode = "service_type_code", serviceTypeName = "service_type_name"
        case sourceType = "source_type", status, orderType = "order_type", amountAfterDiscount = "amount_after_discount"
        case officialAmount = "official_amount", measureID = "measure_id", createTime = "create_time", paymentTime = "payment_time"
        case currency, contractID = "contract_id", amountInfo = "amount_info", enterpriseProjects = "enterprise_projects"
        case subOrderInfos = "sub_order_infos", agentPayInfo = "agent_pay_info", userName = "user_name"
        case pendingPaymentEndTime = "pending_payment_end_time"
    }
}

/// ProductObject: the product a renewal or change line started from.
public struct OrderBaseProduct: Codable, Sendable, Equatable {
    public var productID: String
    public var productSpecDesc: String
    public var categoryCode: String
    public var productOwnerService: String
    public var commercialResource: String
    enum CodingKeys: String, CodingKey {
        case productID = "product_id", productSpecDesc = "product_spec_desc", categoryCode = "category_code"
        case productOwnerService = "product_owner_service", commercialResource = "commercial_resource"
    }
}

/// OrderLineItemEntityV2
public struct OrderLineItem: Codable, Sendable, Equatable {
    public var orderLineItemID: String
    public var serviceTypeCode: String
    public var serviceTypeName: String?
    public var productID: String
    public var productSpecDesc: String
    public var periodType: Int
    public var periodNum: Int?
    public var effectiveTime: String
    public var expireTime: String
    public var subscriptionNum: Int
    public var amountAfterDiscount: Decimal
    public var officialAmount: Decimal
    public var amountInfo: OrderAmountInfo
    public var currency: String
    public var categoryCode: String
    public var productOwnerService: String
    public var commercialResource: String
    public var baseProductInfo: OrderBaseProduct?
    public var orderID: String
    enum CodingKeys: String, CodingKey {
        case orderLineItemID = "order_line_item_id", serviceTypeCode = "service_type_code", serviceTypeName = "service_type_name"
        case productID = "product_id", productSpecDesc = "product_spec_desc", periodType = "period_type", periodNum = "period_num"
        case effectiveTime = "effective_time", expireTime = "expire_time", subscriptionNum = "subscription_num"
        case amountAfterDiscount = "amount_after_discount", officialAmount = "official_amount", amountInfo = "amount_info", currency
        case categoryCode = "category_code", productOwnerService = "product_owner_service", commercialResource = "commercial_resource"
        case baseProductInfo = "base_product_info", orderID = "order_id"
    }
}

/// ListCustomerOrdersResponse
public struct OrderList: Codable, Sendable {
    public var totalCount: Int
    public var orderInfos: [OrderInfo]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", orderInfos = "order_infos" }
}

/// ShowCustomerOrderDetailsResponse; also what the operator's order commands print.
public struct OrderDetails: Codable, Sendable {
    /// Line items in the order (not on the page).
    public var totalCount: Int
    public var orderInfo: OrderInfo
    public var orderLineItems: [OrderLineItem]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", orderInfo = "order_info", orderLineItems = "order_line_items" }
}

/// PayCustomerOrderV3Req
public struct PayOrderRequest: Codable, Sendable {
    public struct Coupon: Codable, Sendable { public var id: String?; public var type: Int? }
    public struct Discount: Codable, Sendable { public var id: String?; public var type: Int? }
    public var orderID: String?
    public var useCoupon: String?
    public var useDiscount: String?
    public var couponInfos: [Coupon]?
    public var discountInfos: [Discount]?
    enum CodingKeys: String, CodingKey {
        case orderID = "order_id", useCoupon = "use_coupon", useDiscount = "use_discount", couponInfos = "coupon_infos", discountInfos = "discount_infos"
    }
}

/// CancelCustomerOrderReq
public struct CancelOrderRequest: Codable, Sendable {
    public var orderID: String?
    enum CodingKeys: String, CodingKey { case orderID = "order_id" }
}

/// LimitInfoV2 (the SDK's `use_limiti_info_id`).
public struct OrderCouponLimit: Codable, Sendable, Equatable {
    public var useLimitiInfoID: String
    public var limitKey: String
    public var value1: String
    public var value2: String?
    public var valueUnit: String?
    public var limitType: String?
    public var promotionPlanID: String?
    enum CodingKeys: String, CodingKey {
        case useLimitiInfoID = "use_limiti_info_id", limitKey = "limit_key", value1, value2, valueUnit = "value_unit"
        case limitType = "limit_type", promotionPlanID = "promotion_plan_id"
    }
}

/// CouponInfoV2
public struct OrderCoupon: Codable, Sendable, Equatable {
    public var couponID: String
    public var couponCode: String
    public var status: Int
    /// 301 voucher, 302 cash coupon (what PayOrders' `coupon_infos[].type` takes).
    public var couponType: Int
    public var measureID: Int
    public var faceValue: Decimal
    public var effectiveTime: String
    public var expireTime: String
    public var planName: String?
    public var planDesc: String?
    public var useLimits: [OrderCouponLimit]
    public var activeTime: String?
    public var lastUsedTime: String?
    public var createTime: String
    public var couponVersion: Int
    public var balance: Decimal
    public var usedByOrderID: String?
    public var couponUsage: String?
    public var couponGroup: Int
    enum CodingKeys: String, CodingKey {
        case couponID = "coupon_id", couponCode = "coupon_code", status, couponType = "coupon_type", measureID = "measure_id"
        case faceValue = "face_value", effectiveTime = "effective_time", expireTime = "expire_time", planName = "plan_name"
        case planDesc = "plan_desc", useLimits = "use_limits", activeTime = "active_time", lastUsedTime = "last_used_time"
        case createTime = "create_time", couponVersion = "coupon_version", balance, usedByOrderID = "used_by_order_id"
        case couponUsage = "coupon_usage", couponGroup = "coupon_group"
    }
}

/// CouponMaxUseQuantity
public struct OrderCouponQuantity: Codable, Sendable, Equatable {
    public var couponType: Int
    public var couponGroup: Int
    public var useQuantityValue: Int
    enum CodingKeys: String, CodingKey { case couponType = "coupon_type", couponGroup = "coupon_group", useQuantityValue = "use_quantity_value" }
}

/// ListOrderCouponsByOrderIdResponse
public struct OrderCouponList: Codable, Sendable {
    public var count: Int
    public var userCoupons: [OrderCoupon]
    public var couponMaxUseQuantity: [OrderCouponQuantity]
    enum CodingKeys: String, CodingKey { case count, userCoupons = "user_coupons", couponMaxUseQuantity = "coupon_max_use_quantity" }
}

/// DiscountInfoV3 with its OrderV3 / OrderLineItemV3.
public struct OrderDiscount: Codable, Sendable, Equatable {
    public struct Order: Codable, Sendable, Equatable {
        public struct Lines: Codable, Sendable, Equatable {
            public var orderLineItemIDs: [String]
            /// 0: a discount rate.
            public var discountMode: Int
            public var discountAmount: Decimal
            public var discountRatio: Decimal
            enum CodingKeys: String, CodingKey {
                case orderLineItemIDs = "order_line_item_ids", discountMode = "discount_mode", discountAmount = "discount_amount", discountRatio = "discount_ratio"
            }
        }
        public var orderID: String
        public var orderLineItems: [Lines]
        enum CodingKeys: String, CodingKey { case orderID = "order_id", orderLineItems = "order_line_items" }
    }
    public var discountID: String
    public var discountValue: String
    /// 3: partner-granted.
    public var discountType: Int
    public var orders: [Order]
    enum CodingKeys: String, CodingKey { case discountID = "discount_id", discountValue = "discount_value", discountType = "discount_type", orders }
}

/// ListOrderDiscountsResponse
public struct OrderDiscountList: Codable, Sendable {
    public var discounts: [OrderDiscount]
}

/// POST /operator/v1/orders: a new-purchase order for a customer, written as a period quote's
/// `product_infos`, paid at once with `pay`.
public struct CreateOrderRequest: Codable, Sendable {
    public var customerID: String?
    public var productInfos: [PeriodProductInfo]?
    public var pay: Bool?
    enum CodingKeys: String, CodingKey { case customerID = "customer_id", productInfos = "product_infos", pay }
    public init(customerID: String?, productInfos: [PeriodProductInfo]?, pay: Bool?) {
        (self.customerID, self.productInfos, self.pay) = (customerID, productInfos, pay)
    }
}

/// An order as the operator's tools show it (`admin order create|show --json`, POST and GET
/// /operator/v1/orders): the keys ShowCustomerOrderDetails gives its `order_info`, plus
/// `amount` (what the order costs after its discount: to pay, or paid) and its
/// `order_line_items`.
public struct OperatorOrder: Codable, Sendable {
    public var order: OrderInfo
    public var amount: Decimal
    public var lines: [OrderLineItem]

    enum Extra: String, CodingKey { case amount, orderLineItems = "order_line_items" }

    public init(_ d: OrderDetails) {
        order = d.orderInfo
        amount = d.orderInfo.amountAfterDiscount
        lines = d.orderLineItems
    }

    public init(from decoder: any Decoder) throws {
        order = try OrderInfo(from: decoder)
        let c = try decoder.container(keyedBy: Extra.self)
        amount = try c.decode(Decimal.self, forKey: .amount)
        lines = try c.decode([OrderLineItem].self, forKey: .orderLineItems)
    }

    public func encode(to encoder: any Encoder) throws {
        try order.encode(to: encoder)
        var c = encoder.container(keyedBy: Extra.self)
        try c.encode(amount, forKey: .amount)
        try c.encode(lines, forKey: .orderLineItems)
    }
}

/// RenewalResourcesReq
public struct RenewalRequest: Codable, Sendable {
    public var resourceIDs: [String]?
    public var periodType: Int?
    public var periodNum: Int?
    public var isAutoPay: Int?
    enum CodingKeys: String, CodingKey { case resourceIDs = "resource_ids", periodType = "period_type", periodNum = "period_num", isAutoPay = "is_auto_pay" }
}

/// RenewalResourcesResponse
public struct RenewalResponse: Codable, Sendable {
    public var orderIDs: [String]
    public var failResourceInfos: [FailResourceInfo]
    enum CodingKeys: String, CodingKey { case orderIDs = "order_ids", failResourceInfos = "fail_resource_infos" }
}

/// AutoRenewalResourcesReq
public struct AutoRenewalRequest: Codable, Sendable {
    public var autoRenewTimes: Int?
    /// `MONTH` or `YEAR`.
    public var periodType: String?
    enum CodingKeys: String, CodingKey { case autoRenewTimes = "auto_renew_times", periodType = "period_type" }
}

/// RenewResourceConfigReq: both values are strings on the wire (`"7"`, `"-1"`).
public struct RenewConfigRequest: Codable, Sendable {
    public var configName: String?
    public var configValue: String?
    enum CodingKeys: String, CodingKey { case configName = "config_name", configValue = "config_value" }
}

/// SetResourcesRenewConfigResponse: success is told in the body as well.
public struct RenewConfigResponse: Codable, Sendable {
    public var errorCode = "CBC.0000"
    public var errorMsg = "success"
    enum CodingKeys: String, CodingKey { case errorCode = "error_code", errorMsg = "error_msg" }
}

/// PeriodToOnDemandReq
public struct PeriodToOnDemandRequest: Codable, Sendable {
    public var operation: String?
    public var resourceIDs: [String]?
    enum CodingKeys: String, CodingKey { case operation, resourceIDs = "resource_ids" }
}

/// UpdatePeriodToOnDemandResponse: the resources that failed, if any.
public struct PeriodToOnDemandResponse: Codable, Sendable {
    public var errorDetails: [ErrorDetail]
    enum CodingKeys: String, CodingKey { case errorDetails = "error_details" }
}

/// UnsubscribeResourcesReq
public struct UnsubscribeRequest: Codable, Sendable {
    public var resourceIDs: [String]?
    public var unsubscribeType: Int?
    public var unsubscribeReasonType: Int?
    public var unsubscribeReason: String?
    enum CodingKeys: String, CodingKey {
        case resourceIDs = "resource_ids", unsubscribeType = "unsubscribe_type", unsubscribeReasonType = "unsubscribe_reason_type"
        case unsubscribeReason = "unsubscribe_reason"
    }
}

/// OrderRefundInfoV2
public struct RefundInfo: Codable, Sendable {
    public var id: String
    public var amount: Decimal
    /// A string here, unlike elsewhere (the SDK's type).
    public var measureID: String
    public var customerID: String
    public var resourceTypeCode: String
    public var serviceTypeCode: String
    public var resourceTypeName: String?
    public var serviceTypeName: String?
    public var regionCode: String
    public var baseOrderID: String
    enum CodingKeys: String, CodingKey {
        case id, amount, measureID = "measure_id", customerID = "customer_id", resourceTypeCode = "resource_type_code"
        case serviceTypeCode = "service_type_code", resourceTypeName = "resource_type_name", serviceTypeName = "service_type_name"
        case regionCode = "region_code", baseOrderID = "base_order_id"
    }
}

/// ShowRefundOrderDetailsResponse
public struct RefundInfoList: Codable, Sendable {
    public var totalCount: Int
    public var refundInfos: [RefundInfo]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", refundInfos = "refund_infos" }
}

/// QueryCustomerOnDemandResourcesReq
public struct OnDemandResourcesRequest: Codable, Sendable {
    public var customerID: String?
    public var regionCode: String?
    public var serviceTypeCode: String?
    public var resourceIDs: [String]?
    public var effectiveTimeBegin: String?
    public var effectiveTimeEnd: String?
    public var offset: Int?
    public var limit: Int?
    public var status: Int?
    public var indirectPartnerID: String?
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", regionCode = "region_code", serviceTypeCode = "service_type_code", resourceIDs = "resource_ids"
        case effectiveTimeBegin = "effective_time_begin", effectiveTimeEnd = "effective_time_end", offset, limit, status
        case indirectPartnerID = "indirect_partner_id"
    }
}

/// CustomerOnDemandResource
public struct OnDemandResource: Codable, Sendable {
    public var customerID: String
    public var regionCode: String
    public var availabilityZoneCode: String?
    public var serviceTypeCode: String
    public var resourceTypeCode: String
    public var serviceTypeName: String?
    public var resourceTypeName: String?
    public var resourceID: String
    public var resourceName: String
    public var effectiveTime: String
    public var expireTime: String?
    /// 1 normal, 6 closed.
    public var status: Int
    public var resourceSpecCode: String
    public var resourceInfo: String?
    public var productSpecDesc: String
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", regionCode = "region_code", availabilityZoneCode = "availability_zone_code"
        case serviceTypeCode = "service_type_code", resourceTypeCode = "resource_type_code", serviceTypeName = "service_type_name"
        case resourceTypeName = "resource_type_name", resourceID = "resource_id", resourceName = "resource_name", effectiveTime = "effective_time"
        case expireTime = "expire_time", status, resourceSpecCode = "resource_spec_code", resourceInfo = "resource_info", productSpecDesc = "product_spec_desc"
    }
}

/// ListCustomerOnDemandResourcesResponse
public struct OnDemandResourceList: Codable, Sendable {
    public var resources: [OnDemandResource]
    public var totalCount: Int
    enum CodingKeys: String, CodingKey { case resources, totalCount = "total_count" }
}

/// PeriodToOnDemandInstantlyReq
public struct PeriodToOnDemandNowRequest: Codable, Sendable {
    public var resourceIDs: [String]?
    enum CodingKeys: String, CodingKey { case resourceIDs = "resource_ids" }
}

/// UpdatePeriodToOnDemandInstantlyResponse
public struct ToOnDemandResults: Codable, Sendable {
    /// ToOndemandServiceResult
    public struct Result: Codable, Sendable {
        public var resourceID: String
        /// SUCCESS or FAIL.
        public var result: String
        public var errorCode: String?
        public var errorMsg: String?
        public var orderID: String?
        enum CodingKeys: String, CodingKey { case resourceID = "resource_id", result, errorCode = "error_code", errorMsg = "error_msg", orderID = "order_id" }
    }
    public var toOndemandServiceResults: [Result]
    enum CodingKeys: String, CodingKey { case toOndemandServiceResults = "to_ondemand_service_results" }
}
