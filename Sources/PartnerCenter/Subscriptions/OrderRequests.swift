import Foundation

// The order operations' bodies and query strings, checked at the edge: what the order
// store acts on.

/// A new-purchase order the operator places for a customer (`admin order create`, POST
/// /operator/v1/orders): the period quote's `product_infos`, yearly or monthly only.
public struct NewOrder: CheckedRequest {
    public var customerID: String
    public var items: [PeriodInquiry.Item]
    /// Pay it at once (as a console purchase paid on the spot).
    public var pay: Bool

    /// Most months and years one line may buy, as `admin resource provision` allows.
    static let maxMonths = 11, maxYears = 5

    public init(_ r: CreateOrderRequest) throws {
        customerID = try Check.required(r.customerID, "customer_id", max: 64)
        items = try PeriodInquiry(RateOnPeriodRequest(projectID: "0", productInfos: r.productInfos)).items
        for (i, item) in items.enumerated() {
            guard item.periodType == 2 || item.periodType == 3 else {
                throw Refusal.parameter("product_infos[\(i)].period_type", "must be 2 (month) or 3 (year) for an order")
            }
            try Check.range(item.periodNum, "product_infos[\(i)].period_num", 1...(item.periodType == 2 ? Self.maxMonths : Self.maxYears))
            try Check.range(item.product.subscriptions, "product_infos[\(i)].subscription_num", 1...100)
        }
        pay = r.pay ?? false
    }
}

/// PayOrders: which order, with which coupons and discount.
public struct OrderPayment: CheckedRequest {
    public struct Coupon: Sendable, Equatable {
        public var id: String
        /// 300 discount coupon, 301 voucher, 302 cash coupon, 303 stored-value card.
        public var type: Int
    }
    public var orderID: String
    /// In the order given; at most 3.
    public var coupons: [Coupon]
    /// The one discount chosen, if any: its id and type (0, 2 or 3).
    public var discount: (id: String, type: Int)?

    init(orderID: String, coupons: [Coupon], discount: (id: String, type: Int)?) {
        (self.orderID, self.coupons, self.discount) = (orderID, coupons, discount)
    }

    /// `YES` / `NO`; absent is `NO`. Huawei refuses the list with `NO` and requires it with `YES`.
    static func flag(_ value: String?, _ field: String, list: Bool, listField: String) throws -> Bool {
        guard let v = value, !v.isEmpty else {
            if list { throw Refusal.parameter(listField, "must be absent unless \(field) is YES") }
            return false
        }
        try Check.oneOf(v, field, ["YES", "NO"])
        if v == "YES" && !list { throw Refusal.parameter(listField, "is required when \(field) is YES") }
        if v == "NO" && list { throw Refusal.parameter(listField, "must be absent when \(field) is NO") }
        return v == "YES"
    }

    public init(_ r: PayOrderRequest) throws {
        orderID = try Check.required(r.orderID, "order_id", max: 64)
        let couponList = r.couponInfos.map { !$0.isEmpty } ?? false
        let discountList = r.discountInfos.map { !$0.isEmpty } ?? false
        let useCoupon = try Self.flag(r.useCoupon, "use_coupon", list: couponList, listField: "coupon_infos")
        let useDiscount = try Self.flag(r.useDiscount, "use_discount", list: discountList, listField: "discount_infos")
        coupons = []
        if useCoupon, let list = r.couponInfos {
            guard list.count <= 3 else { throw Refusal.parameter("coupon_infos", "has more than 3 entries") }
            for (i, c) in list.enumerated() {
                let id = try Check.required(c.id, "coupon_infos[\(i)].id", max: 64)
                guard let type = c.type else { throw Refusal.parameter("coupon_infos[\(i)].type", "is required") }
                guard (300...303).contains(type) else { throw Refusal.parameter("coupon_infos[\(i)].type", "must be 300, 301, 302 or 303") }
                guard !coupons.contains(where: { $0.id == id }) else { throw Refusal.parameter("coupon_infos[\(i)].id", "\(id) is given twice") }
                coupons.append(Coupon(id: id, type: type))
            }
        }
        discount = nil
        if useDiscount, let list = r.discountInfos {
            guard list.count <= 1 else { throw Refusal.parameter("discount_infos", "has more than 1 entry") }
            let id = try Check.required(list[0].id, "discount_infos[0].id", max: 64)
            guard let type = list[0].type else { throw Refusal.parameter("discount_infos[0].type", "is required") }
            guard [0, 2, 3].contains(type) else { throw Refusal.parameter("discount_infos[0].type", "must be 0, 2 or 3") }
            discount = (id, type)
        }
    }
}

/// CancelCustomerOrder
public struct OrderCancellation: CheckedRequest {
    public var orderID: String

    public init(_ r: CancelOrderRequest) throws {
        orderID = try Check.required(r.orderID, "order_id", max: 64)
    }
}

/// RenewalResources: main resources (1–10) renewed by whole months (1–11) or years (1–3).
public struct Renewal: CheckedRequest {
    public var resourceIDs: [String]
    public var periodType: Int
    public var periodNum: Int
    /// Pay the renewal order at once (is_auto_pay 1) instead of leaving it pending.
    public var autoPay: Bool

    public init(_ r: RenewalRequest) throws {
        guard let ids = r.resourceIDs, !ids.isEmpty else { throw Refusal.parameter("resource_ids", "is required") }
        guard ids.count <= 10 else { throw Refusal.parameter("resource_ids", "has more than 10 entries") }
        for (i, id) in ids.enumerated() { _ = try Check.required(id, "resource_ids[\(i)]", max: 64) }
        guard Set(ids).count == ids.count else { throw Refusal.parameter("resource_ids", "names a resource twice") }
        guard let type = r.periodType else { throw Refusal.parameter("period_type", "is required") }
        guard type == 2 || type == 3 else { throw Refusal.parameter("period_type", "must be 2 (month) or 3 (year)") }
        guard let num = r.periodNum else { throw Refusal.parameter("period_num", "is required") }
        try Check.range(num, "period_num", 1...(type == 2 ? 11 : 3))
        if let a = r.isAutoPay, a != 0 && a != 1 { throw Refusal.parameter("is_auto_pay", "must be 0 or 1") }
        (resourceIDs, periodType, periodNum, autoPay) = (ids, type, num, r.isAutoPay == 1)
    }
}

/// AutoRenewalResources: the resource in the path, how many renewals (0 unlimited, nil: as
/// before, or unlimited when first set) and of which period (nil: the resource's own).
public struct AutoRenewal: Sendable {
    public var resourceID: String
    public var times: Int?
    /// 2 month, 3 year.
    public var periodType: Int?

    public init(resourceID: String, _ r: AutoRenewalRequest?) throws {
        self.resourceID = try Check.required(resourceID, "resource_id", max: 64)
        try Check.range(r?.autoRenewTimes, "auto_renew_times", 0...99)
        times = r?.autoRenewTimes
        let p = Check.nonEmpty(r?.periodType)
        try Check.oneOf(p, "period_type", ["MONTH", "YEAR"])
        periodType = p.map { $0 == "YEAR" ? 3 : 2 }
    }
}

/// UpdatePeriodToOnDemand: SET_UP (pay-per-use from expiry) or CANCEL, for 1–100 resources.
public struct ToOnDemandAtExpiry: CheckedRequest {
    public var setUp: Bool
    public var resourceIDs: [String]

    public init(_ r: PeriodToOnDemandRequest) throws {
        let op = try Check.required(r.operation, "operation", max: 64)
        try Check.oneOf(op, "operation", ["SET_UP", "CANCEL"])
        guard let ids = r.resourceIDs, !ids.isEmpty else { throw Refusal.parameter("resource_ids", "is required") }
        guard ids.count <= 100 else { throw Refusal.parameter("resource_ids", "has more than 100 entries") }
        for (i, id) in ids.enumerated() { _ = try Check.required(id, "resource_ids[\(i)]", max: 64) }
        (setUp, resourceIDs) = (op == "SET_UP", ids)
    }
}

/// CancelResourcesSubscription: 1–10 resources (a secondary stands for its group); type 1
/// the resource with its renewals, type 2 only renewals not yet in effect.
public struct Unsubscription: CheckedRequest {
    public var resourceIDs: [String]
    /// Release the resources (1), or only refund the renewals not yet begun (2).
    public var wholeResource: Bool
    public var reason: String?

    public init(_ r: UnsubscribeRequest) throws {
        guard let ids = r.resourceIDs, !ids.isEmpty else { throw Refusal.parameter("resource_ids", "is required") }
        guard ids.count <= 10 else { throw Refusal.parameter("resource_ids", "has more than 10 entries") }
        for (i, id) in ids.enumerated() { _ = try Check.required(id, "resource_ids[\(i)]", max: 64) }
        guard Set(ids).count == ids.count else { throw Refusal.parameter("resource_ids", "names a resource twice") }
        guard let type = r.unsubscribeType else { throw Refusal.parameter("unsubscribe_type", "is required") }
        guard type == 1 || type == 2 else { throw Refusal.parameter("unsubscribe_type", "must be 1 (the resource and its renewals) or 2 (renewals only)") }
        try Check.range(r.unsubscribeReasonType, "unsubscribe_reason_type", 1...5)
        try Check.length(r.unsubscribeReason, "unsubscribe_reason", max: 512)
        (resourceIDs, wholeResource, reason) = (ids, type == 1, r.unsubscribeReason)
    }

    init(resourceIDs: [String], wholeResource: Bool, reason: String?) {
        (self.resourceIDs, self.wholeResource, self.reason) = (resourceIDs, wholeResource, reason)
    }
}

/// ShowRefundOrderDetails: a refund order; a partner names its customer.
public struct RefundOrderQuery: Sendable {
    public var orderID: String
    public var customerID: String?
    public var indirectPartnerID: String?

    public init(_ query: QueryParameters, caller: Principal) throws {
        orderID = try Check.required(query["order_id"], "order_id", max: 64)
        customerID = Check.nonEmpty(query["customer_id"])
        try Check.length(customerID, "customer_id", max: 64)
        if caller.kind != .customer && customerID == nil { throw Refusal.parameter("customer_id", "is required for a partner") }
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        try Check.length(indirectPartnerID, "indirect_partner_id", max: 64)
    }
}

/// UpdatePeriodToOnDemandInstantly: 1–10 resources.
public struct ToOnDemandNow: CheckedRequest {
    public var resourceIDs: [String]

    public init(_ r: PeriodToOnDemandNowRequest) throws {
        guard let ids = r.resourceIDs, !ids.isEmpty else { throw Refusal.parameter("resource_ids", "is required") }
        guard ids.count <= 10 else { throw Refusal.parameter("resource_ids", "has more than 10 entries") }
        for (i, id) in ids.enumerated() { _ = try Check.required(id, "resource_ids[\(i)]", max: 64) }
        guard Set(ids).count == ids.count else { throw Refusal.parameter("resource_ids", "names a resource twice") }
        resourceIDs = ids
    }
}

/// SetResourcesRenewConfig: one account-level renewal setting. Values are decimal digits as
/// Huawei writes them (no sign but `-1`, no leading zeros, no spaces).
public struct RenewConfigChange: CheckedRequest {
    public enum Setting: Sendable, Equatable {
        /// DEDUCTION_DATE: auto-renewals are charged this many days (2–7) before expiry.
        case deductionDays(Int)
        /// EXPIRE_DATE: renewed resources end on this day of the month (1–28; -1 the last).
        case expireDay(Int)
    }
    public var setting: Setting

    public init(_ r: RenewConfigRequest) throws {
        let name = try Check.required(r.configName, "config_name", max: 64)
        try Check.oneOf(name, "config_name", ["DEDUCTION_DATE", "EXPIRE_DATE"])
        let value = try Check.required(r.configValue, "config_value", max: 64)
        let days: [Int] = name == "DEDUCTION_DATE" ? Array(2...7) : Array(1...28) + [-1]
        let allowed: [String] = days.map { String($0) }
        guard allowed.contains(value) else {
            throw Refusal.parameter("config_value", name == "DEDUCTION_DATE" ? "must be 2 to 7 (days before expiry) for DEDUCTION_DATE"
                                                                             : "must be 1 to 28 (day of the month) or -1 (the month's last day) for EXPIRE_DATE")
        }
        setting = name == "DEDUCTION_DATE" ? .deductionDays(Int(value)!) : .expireDay(Int(value)!)
    }
}
