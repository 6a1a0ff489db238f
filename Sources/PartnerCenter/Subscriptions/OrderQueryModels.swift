import Foundation

// The order reads' query strings, parsed and checked: what the order store reads them as.

/// ListCustomerOrders
public struct OrderListQuery: Sendable {
    public var orderID: String?
    /// Partner callers only; a customer is always scoped to itself.
    public var customerID: String?
    public var createdFrom: Int64?
    public var createdUntil: Int64?
    public var serviceType: String?
    public var status: Int?
    public var orderType: Int?
    public var paidFrom: Int64?
    public var paidUntil: Int64?
    public var indirectPartnerID: String?
    /// `createTime` ascending; otherwise (and by default) newest first.
    public var ascending: Bool
    /// `sub_customer`: orders paid on behalf of enterprise sub-accounts (none here).
    public var onBehalf: Bool
    public var page: Page

    static let statuses: Set<Int> = [1, 3, 4, 5, 6, 9]
    static let orderTypes: Set<String> = ["1", "2", "3", "4", "10", "11", "13", "14", "15"]

    /// A window of at most a year between two optional UTC times.
    static func window(_ query: QueryParameters, _ begin: String, _ end: String) throws -> (Int64?, Int64?) {
        for f in [begin, end] { try Check.length(query[f], f, max: 20) }
        let b = try Check.utcTime(Check.nonEmpty(query[begin]), begin)
        let e = try Check.utcTimeEnd(Check.nonEmpty(query[end]), end)
        if let b, let e {
            guard b <= e else { throw Refusal.parameter(begin, "must not be after \(end)") }
            guard e - b <= 366 * WireTime.dayMillis else { throw Refusal.parameter(end, "must be within one year of \(begin)") }
        }
        return (b, e)
    }

    public init(_ query: QueryParameters) throws {
        let (offset, limit, status) = (try query.queryInt("offset"), try query.queryInt("limit"), try query.queryInt("status"))
        orderID = Check.nonEmpty(query["order_id"])
        try Check.length(orderID, "order_id", max: 64)
        if query.contains("customer_id") && query["customer_id"] == "" { throw Refusal.parameter("customer_id", "must not be an empty string") }
        customerID = Check.nonEmpty(query["customer_id"])
        try Check.length(customerID, "customer_id", max: 64)
        (createdFrom, createdUntil) = try Self.window(query, "create_time_begin", "create_time_end")
        serviceType = Check.nonEmpty(query["service_type_code"])
        try Check.length(serviceType, "service_type_code", max: 64)
        if let s = status, !Self.statuses.contains(s) { throw Refusal.parameter("status", "must be one of 1, 3, 4, 5, 6, 9") }
        self.status = status
        let type = Check.nonEmpty(query["order_type"])
        try Check.length(type, "order_type", max: 64)
        try Check.oneOf(type, "order_type", Self.orderTypes)
        orderType = type.flatMap { Int($0) }
        page = try Page(offset: offset, limit: limit, maxOffset: Int(Int32.max))
        let orderBy = Check.nonEmpty(query["order_by"])?.lowercased()
        try Check.oneOf(orderBy, "order_by", ["createtime", "-createtime"])
        ascending = orderBy == "createtime"
        (paidFrom, paidUntil) = try Self.window(query, "payment_time_begin", "payment_time_end")
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        try Check.length(indirectPartnerID, "indirect_partner_id", max: 64)
        let method = Check.nonEmpty(query["method"])
        try Check.oneOf(method, "method", ["oneself", "sub_customer"])
        onBehalf = method == "sub_customer"
    }
}

/// ShowCustomerOrderDetails: the order in the path, a page of its line items.
public struct OrderDetailQuery: Sendable {
    public var orderID: String
    public var indirectPartnerID: String?
    public var english: Bool
    public var page: Page

    public init(orderID: String, language: String?, _ query: QueryParameters) throws {
        self.orderID = try Check.required(orderID, "order_id", max: 64)
        let (offset, limit) = (try query.queryInt("offset"), try query.queryInt("limit"))
        page = try Page(offset: offset, limit: limit, maxOffset: Int(Int32.max))
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        try Check.length(indirectPartnerID, "indirect_partner_id", max: 64)
        english = try CatalogLanguage(header: language).english
    }
}

/// ListOrderCouponsByOrderId and ListOrderDiscounts: one order.
public struct OrderIDQuery: Sendable {
    public var orderID: String

    public init(_ query: QueryParameters) throws {
        orderID = try Check.required(query["order_id"], "order_id", max: 64)
    }
}
