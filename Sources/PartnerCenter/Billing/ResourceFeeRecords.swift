import Foundation
import SQLKit

/// ResFeeRecordV2 (ListCustomerselfResourceRecords)
public struct ResFeeRecord: Codable, Sendable {
    public var billDate: String
    public var billType: Int
    public var customerID: String
    public var region: String
    public var regionName: String
    public var cloudServiceType: String
    public var resourceType: String
    public var cloudServiceTypeName: String
    public var resourceTypeName: String
    public var effectiveTime: String
    public var expireTime: String
    public var resourceID: String
    public var resourceName: String
    public var productID: String
    public var productName: String
    public var productSpecDesc: String
    public var tradeID: String
    public var id: String
    public var tradeTime: String
    public var enterpriseProjectID: String
    public var chargeMode: String
    public var usageType: String?
    public var usage: Decimal?
    public var usageMeasureID: Int?
    public var freeResourceUsage: Decimal?
    public var freeResourceMeasureID: Int?
    public var officialAmount: Decimal
    public var discountAmount: Decimal
    public var amount: Decimal
    public var cashAmount: Decimal
    public var creditAmount: Decimal
    public var couponAmount: Decimal
    public var flexipurchaseCouponAmount: Decimal
    public var storedCardAmount: Decimal
    public var bonusAmount: Decimal
    public var debtAmount: Decimal
    public var adjustmentAmount: Decimal
    public var measureID: Int
    public var consumeTime: String
    public var accountName: String
    enum CodingKeys: String, CodingKey {
        case billDate = "bill_date", billType = "bill_type", customerID = "customer_id", region, regionName = "region_name"
        case cloudServiceType = "cloud_service_type", resourceType = "resource_type", cloudServiceTypeName = "cloud_service_type_name"
        case resourceTypeName = "resource_type_name", effectiveTime = "effective_time", expireTime = "expire_time", resourceID = "resource_id"
        case resourceName = "resource_name", productID = "product_id", productName = "product_name", productSpecDesc = "product_spec_desc"
        case tradeID = "trade_id", id, tradeTime = "trade_time", enterpriseProjectID = "enterprise_project_id", chargeMode = "charge_mode"
        case usageType = "usage_type", usage, usageMeasureID = "usage_measure_id", freeResourceUsage = "free_resource_usage"
        case freeResourceMeasureID = "free_resource_measure_id", officialAmount = "official_amount", discountAmount = "discount_amount", amount
        case cashAmount = "cash_amount", creditAmount = "credit_amount", couponAmount = "coupon_amount", flexipurchaseCouponAmount = "flexipurchase_coupon_amount"
        case storedCardAmount = "stored_card_amount", bonusAmount = "bonus_amount", debtAmount = "debt_amount", adjustmentAmount = "adjustment_amount"
        case measureID = "measure_id", consumeTime = "consume_time", accountName = "account_name"
    }
}

public struct ResFeeRecordList: Codable, Sendable {
    public var feeRecords: [ResFeeRecord]
    public var totalCount: Int
    public var currency: String
    enum CodingKeys: String, CodingKey { case feeRecords = "fee_records", totalCount = "total_count", currency }
}

extension BillingStore {
    /// ListCustomerselfResourceRecords: the customer's fee records per resource, in detail
    /// (statistic_type 3, the default), per day (2) or per billing cycle (1).
    public func customerResourceRecords(caller: Principal, _ q: CustomerResourceRecordsQuery) async throws -> ResFeeRecordList {
        let cycle = q.cycle, charge = q.chargeMode, billType = q.billType, statistic = q.statisticType, method = q.method
        let window = q.days, page = q.page, includeZero = q.includeZeroRecord
        return try await database.read { db in
            var filter: SQLQueryString = "f.customer_id = \(bind: caller.domainID) AND f.bill_cycle = \(bind: cycle)"
            if method == "sub_customer" { filter += " AND 1 = 0" }
            for (value, col) in [(q.cloudServiceType, "f.service_type"), (q.region, "f.region"), (q.resourceID, "f.resource_id"), (q.tradeID, "f.trade_id")] {
                if let v = value { filter += " AND \(unsafeRaw: col) = \(bind: v)" }
            }
            if let charge { filter += " AND f.charging_mode = \(bind: charge)" }
            if let billType { filter += " AND f.bill_type = \(bind: billType)" }
            if !includeZero { filter += " AND f.consume <> 0" }
            if let (b, e) = window { filter += " AND f.consume_begin >= \(bind: b) AND f.consume_begin < \(bind: e)" }
            // Grouping keys: the whole record, the resource per Beijing day, or the resource per cycle.
            let day: SQLQueryString = "((f.consume_begin + \(bind: WireTime.beijingOffset)) / 86400000)"
            let group: SQLQueryString
            switch statistic {
            case 3: group = "f.id"
            case 2: group = "f.resource_id, f.bill_type, f.charging_mode, f.usage_type, \(day)"
            default: group = "f.resource_id, f.bill_type, f.charging_mode, f.usage_type"
            }
            let grouped: SQLQueryString = """
                SELECT MIN(f.id) AS id, MAX(f.trade_id) AS trade_id, MAX(f.trade_time) AS trade_time, MIN(f.consume_begin) AS first_begin,
                       MAX(f.consume_end) AS last_end, f.resource_id, MAX(f.resource_name) AS resource_name, MAX(f.resource_spec) AS resource_spec,
                       MAX(f.service_type) AS service_type, MAX(f.resource_type) AS resource_type, MAX(f.region) AS region, MAX(f.product_id) AS product_id,
                       f.bill_type, f.charging_mode, f.usage_type, MAX(f.usage_measure_id) AS usage_measure_id, MAX(f.free_measure_id) AS free_measure_id,
                       CAST(SUM(f.official) AS BIGINT) AS official, CAST(SUM(f.discount) AS BIGINT) AS discount, CAST(SUM(f.truncated) AS BIGINT) AS truncated,
                       CAST(SUM(f.consume) AS BIGINT) AS consume, CAST(SUM(f.cash) AS BIGINT) AS cash, CAST(SUM(f.credit) AS BIGINT) AS credit,
                       CAST(SUM(f.coupon) AS BIGINT) AS coupon, CAST(SUM(f.debt) AS BIGINT) AS debt, COUNT(*) AS n
                FROM fee_records f WHERE \(filter) GROUP BY \(group)
                """
            let total = try await db.raw("SELECT COUNT(*) AS n FROM (\(grouped)) g").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("\(grouped) ORDER BY trade_time DESC, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            // Usage quantities are decimal text: sum them per group in Swift.
            var out: [ResFeeRecord] = []
            for r in rows {
                let id = try r.decode(column: "id", as: String.self)
                var usage: Decimal?, free: Decimal?
                if try r.decode(column: "usage_type", as: String?.self) != nil {
                    let members: [any SQLRow]
                    if statistic == 3 { members = try await db.raw("SELECT usage_value, free_usage FROM fee_records WHERE id = \(bind: id)").all() }
                    else {
                        var m: SQLQueryString = "\(filter) AND f.resource_id = \(bind: try r.decode(column: "resource_id", as: String.self)) AND f.bill_type = \(bind: try r.decode(column: "bill_type", as: Int.self)) AND f.usage_type = \(bind: try r.decode(column: "usage_type", as: String.self))"
                        if statistic == 2 { m += " AND \(day) = \(bind: (try r.decode(column: "first_begin", as: Int64.self) + WireTime.beijingOffset) / 86_400_000)" }
                        members = try await db.raw("SELECT f.usage_value, f.free_usage FROM fee_records f WHERE \(m)").all()
                    }
                    usage = try members.reduce(Decimal(0)) { $0 + (try $1.decode(column: "usage_value", as: String?.self).flatMap(Money.parse) ?? 0) }
                    let f = try members.reduce(Decimal(0)) { $0 + (try $1.decode(column: "free_usage", as: String?.self).flatMap(Money.parse) ?? 0) }
                    free = f > 0 ? f : nil
                }
                let begin = try r.decode(column: "first_begin", as: Int64.self)
                let spec = try r.decode(column: "resource_spec", as: String.self)
                out.append(ResFeeRecord(
                    billDate: String(WireTime.utc(begin + WireTime.beijingOffset).prefix(10)), billType: try r.decode(column: "bill_type", as: Int.self), customerID: caller.domainID,
                    region: try r.decode(column: "region", as: String.self), regionName: try r.decode(column: "region", as: String.self),
                    cloudServiceType: try r.decode(column: "service_type", as: String.self), resourceType: try r.decode(column: "resource_type", as: String.self),
                    cloudServiceTypeName: "", resourceTypeName: "", effectiveTime: WireTime.utc(begin),
                    expireTime: WireTime.utc(try r.decode(column: "last_end", as: Int64.self)), resourceID: try r.decode(column: "resource_id", as: String.self),
                    resourceName: try r.decode(column: "resource_name", as: String.self), productID: try r.decode(column: "product_id", as: String.self),
                    productName: spec, productSpecDesc: spec, tradeID: try r.decode(column: "trade_id", as: String.self), id: id,
                    tradeTime: WireTime.utc(try r.decode(column: "trade_time", as: Int64.self)), enterpriseProjectID: "0",
                    chargeMode: String(try r.decode(column: "charging_mode", as: Int.self)), usageType: try r.decode(column: "usage_type", as: String?.self),
                    usage: usage, usageMeasureID: try r.decode(column: "usage_measure_id", as: Int?.self), freeResourceUsage: free,
                    freeResourceMeasureID: free == nil ? nil : try r.decode(column: "free_measure_id", as: Int?.self),
                    officialAmount: try Self.d(r, "official"), discountAmount: try Self.d(r, "discount"), amount: try Self.d(r, "consume"),
                    cashAmount: try Self.d(r, "cash"), creditAmount: try Self.d(r, "credit"), couponAmount: try Self.d(r, "coupon"),
                    flexipurchaseCouponAmount: 0, storedCardAmount: 0, bonusAmount: 0, debtAmount: try Self.d(r, "debt"), adjustmentAmount: 0,
                    measureID: 1, consumeTime: WireTime.utc(begin), accountName: caller.domainName))
            }
            return ResFeeRecordList(feeRecords: out, totalCount: total, currency: Ledger.currency)
        }
    }
}
