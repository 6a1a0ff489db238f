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

/// Which of a customer's fee records a resource-record query takes.
struct FeeGroupFilter: Sendable {
    /// The billing cycle; nil: any.
    var cycle: String?
    /// Only fees whose consumption period overlaps [begin, end) (UTC milliseconds).
    var overlapping: (begin: Int64, end: Int64)? = nil
    var chargeMode: Int?
    var billType: Int?
    var includeZero: Bool
    /// From the first day's start to the last day's end (Beijing), UTC milliseconds.
    var days: (begin: Int64, end: Int64)?
    var serviceType: String?
    var resourceType: String?
    var region: String?
    var resourceID: String?
    var tradeID: String?
    var resourceName: String? = nil
    /// The query names someone whose records are not here (a member account, another payer,
    /// another enterprise project): it matches nothing.
    var nobody = false
}

/// Fee records summed per record (statistic type 3), per resource and Beijing day (2), or per
/// resource and cycle (1): what both resource-record operations show.
struct FeeGroup: Sendable {
    var id: String
    var cycle: String
    var tradeID: String
    var tradeTime: Int64
    var firstBegin: Int64
    var lastEnd: Int64
    var resourceID: String
    var resourceName: String
    var spec: String
    var serviceType: String
    var resourceType: String
    var region: String
    var productID: String
    var billType: Int
    var chargingMode: Int
    var usageType: String?
    var usageMeasureID: Int?
    var freeMeasureID: Int?
    /// Exact decimal quantities, summed over the group.
    var usage: Decimal?
    var free: Decimal?
    /// Ledger units.
    var official: Int64, discount: Int64, consume: Int64, cash: Int64, credit: Int64, coupon: Int64, debt: Int64
}

extension BillingStore {
    /// The catalog's service and resource type names, by code, in the language asked.
    static func catalogNames(_ db: any SQLDatabase, english: Bool) async throws -> (services: [String: String], resources: [String: String]) {
        let name: SQLQueryString = english ? "name_en" : "name_zh"
        var services: [String: String] = [:], resources: [String: String] = [:]
        for r in try await db.raw("SELECT code, \(name) AS name FROM catalog_service_types").all() {
            services[try r.decode(column: "code", as: String.self)] = try r.decode(column: "name", as: String.self)
        }
        for r in try await db.raw("SELECT code, \(name) AS name FROM catalog_resource_types").all() {
            resources[try r.decode(column: "code", as: String.self)] = try r.decode(column: "name", as: String.self)
        }
        return (services, resources)
    }

    static func feeGroups(_ db: any SQLDatabase, customerID: String, _ q: FeeGroupFilter, statistic: Int, page: Page) async throws -> (total: Int, groups: [FeeGroup]) {
        precondition([1, 2, 3].contains(statistic), "records are summed per record, day or cycle")
        var filter: SQLQueryString = "f.customer_id = \(bind: customerID)"
        if let cycle = q.cycle { filter += " AND f.bill_cycle = \(bind: cycle)" }
        if let (b, e) = q.overlapping { filter += " AND f.consume_begin < \(bind: e) AND f.consume_end > \(bind: b)" }
        if q.nobody { filter += " AND 1 = 0" }
        for (value, col) in [(q.serviceType, "f.service_type"), (q.resourceType, "f.resource_type"), (q.region, "f.region"),
                             (q.resourceID, "f.resource_id"), (q.tradeID, "f.trade_id"), (q.resourceName, "f.resource_name")] {
            if let v = value { filter += " AND \(unsafeRaw: col) = \(bind: v)" }
        }
        if let charge = q.chargeMode { filter += " AND f.charging_mode = \(bind: charge)" }
        if let billType = q.billType { filter += " AND f.bill_type = \(bind: billType)" }
        if !q.includeZero { filter += " AND f.consume <> 0" }
        if let (b, e) = q.days { filter += " AND f.consume_begin >= \(bind: b) AND f.consume_begin < \(bind: e)" }
        // Grouping keys: the whole record, the resource per Beijing day, or the resource per cycle.
        let day: SQLQueryString = "((f.consume_begin + \(bind: WireTime.beijingOffset)) / 86400000)"
        let group: SQLQueryString
        switch statistic {
        case 3: group = "f.id"
        case 2: group = "f.resource_id, f.bill_type, f.charging_mode, f.usage_type, \(day)"
        default: group = "f.resource_id, f.bill_type, f.charging_mode, f.usage_type"
        }
        let grouped: SQLQueryString = """
            SELECT MIN(f.id) AS id, MAX(f.bill_cycle) AS bill_cycle, MAX(f.trade_id) AS trade_id, MAX(f.trade_time) AS trade_time, MIN(f.consume_begin) AS first_begin,
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
        var out: [FeeGroup] = []
        for r in rows {
            let id = try r.decode(column: "id", as: String.self)
            let usageType = try r.decode(column: "usage_type", as: String?.self)
            // Usage quantities are decimal text: summed per group here, exactly.
            var usage: Decimal?, free: Decimal?
            if let usageType {
                let members: [any SQLRow]
                if statistic == 3 { members = try await db.raw("SELECT usage_value, free_usage FROM fee_records WHERE id = \(bind: id)").all() }
                else {
                    var m: SQLQueryString = "\(filter) AND f.resource_id = \(bind: try r.decode(column: "resource_id", as: String.self)) AND f.bill_type = \(bind: try r.decode(column: "bill_type", as: Int.self)) AND f.usage_type = \(bind: usageType)"
                    if statistic == 2 { m += " AND \(day) = \(bind: (try r.decode(column: "first_begin", as: Int64.self) + WireTime.beijingOffset) / 86_400_000)" }
                    members = try await db.raw("SELECT f.usage_value, f.free_usage FROM fee_records f WHERE \(m)").all()
                }
                usage = try members.reduce(Decimal(0)) { $0 + (try $1.decode(column: "usage_value", as: String?.self).flatMap(Money.parse) ?? 0) }
                let f = try members.reduce(Decimal(0)) { $0 + (try $1.decode(column: "free_usage", as: String?.self).flatMap(Money.parse) ?? 0) }
                free = f > 0 ? f : nil
            }
            let units = { (c: String) in try r.decode(column: c, as: Int64.self) }
            let g = FeeGroup(
                id: id, cycle: try r.decode(column: "bill_cycle", as: String.self), tradeID: try r.decode(column: "trade_id", as: String.self), tradeTime: try units("trade_time"), firstBegin: try units("first_begin"),
                lastEnd: try units("last_end"), resourceID: try r.decode(column: "resource_id", as: String.self),
                resourceName: try r.decode(column: "resource_name", as: String.self), spec: try r.decode(column: "resource_spec", as: String.self),
                serviceType: try r.decode(column: "service_type", as: String.self), resourceType: try r.decode(column: "resource_type", as: String.self),
                region: try r.decode(column: "region", as: String.self), productID: try r.decode(column: "product_id", as: String.self),
                billType: try r.decode(column: "bill_type", as: Int.self), chargingMode: try r.decode(column: "charging_mode", as: Int.self),
                usageType: usageType, usageMeasureID: try r.decode(column: "usage_measure_id", as: Int?.self),
                freeMeasureID: try r.decode(column: "free_measure_id", as: Int?.self), usage: usage, free: free,
                official: try units("official"), discount: try units("discount"), consume: try units("consume"), cash: try units("cash"),
                credit: try units("credit"), coupon: try units("coupon"), debt: try units("debt"))
            assert(g.cash + g.credit + g.coupon + g.debt == g.consume, "a group's payment split adds up to its amount due")
            out.append(g)
        }
        return (total, out)
    }

    /// ListCustomerselfResourceRecords: the customer's fee records per resource, in detail
    /// (statistic_type 3, the default), per day (2) or per billing cycle (1).
    public func customerResourceRecords(caller: Principal, _ q: CustomerResourceRecordsQuery) async throws -> ResFeeRecordList {
        let filter = FeeGroupFilter(cycle: q.cycle, chargeMode: q.chargeMode, billType: q.billType, includeZero: q.includeZeroRecord, days: q.days,
                                    serviceType: q.cloudServiceType, region: q.region, resourceID: q.resourceID, tradeID: q.tradeID,
                                    nobody: q.method == "sub_customer")
        return try await database.read { db in
            let (total, groups) = try await Self.feeGroups(db, customerID: caller.domainID, filter, statistic: q.statisticType, page: q.page)
            return ResFeeRecordList(feeRecords: groups.map { g in
                let d = Units.decimal
                return ResFeeRecord(
                    billDate: String(WireTime.utc(g.firstBegin + WireTime.beijingOffset).prefix(10)), billType: g.billType, customerID: caller.domainID,
                    region: g.region, regionName: g.region, cloudServiceType: g.serviceType, resourceType: g.resourceType,
                    cloudServiceTypeName: "", resourceTypeName: "", effectiveTime: WireTime.utc(g.firstBegin), expireTime: WireTime.utc(g.lastEnd),
                    resourceID: g.resourceID, resourceName: g.resourceName, productID: g.productID, productName: g.spec, productSpecDesc: g.spec,
                    tradeID: g.tradeID, id: g.id, tradeTime: WireTime.utc(g.tradeTime), enterpriseProjectID: "0", chargeMode: String(g.chargingMode),
                    usageType: g.usageType, usage: g.usage, usageMeasureID: g.usageMeasureID, freeResourceUsage: g.free,
                    freeResourceMeasureID: g.free == nil ? nil : g.freeMeasureID,
                    officialAmount: d(g.official), discountAmount: d(g.discount), amount: d(g.consume), cashAmount: d(g.cash), creditAmount: d(g.credit),
                    couponAmount: d(g.coupon), flexipurchaseCouponAmount: 0, storedCardAmount: 0, bonusAmount: 0, debtAmount: d(g.debt), adjustmentAmount: 0,
                    measureID: 1, consumeTime: WireTime.utc(g.firstBegin), accountName: caller.domainName)
            }, totalCount: total, currency: Ledger.currency)
        }
    }
}

/// MonthlyBillRes (ListCustomerselfResourceRecordDetails). Note `resource_Type_code`, with a
/// capital T, as Huawei spells it.
public struct MonthlyBillRecord: Codable, Sendable {
    public struct AzCode: Codable, Sendable {
        public var azCode: String
        enum CodingKeys: String, CodingKey { case azCode = "az_code" }
    }
    public var cycle: String
    /// Per-day rows only (statistic_type 2).
    public var billDate: String?
    public var billType: Int
    public var customerID: String
    public var region: String
    public var regionName: String
    public var cloudServiceType: String
    public var resourceTypeCode: String
    public var cloudServiceTypeName: String?
    public var resourceTypeName: String?
    public var resInstanceID: String
    public var resourceName: String
    public var resourceTag = ""
    public var skuCode: String
    public var enterpriseProjectID = "0"
    public var enterpriseProjectName = "default"
    public var chargeMode: Int
    public var consumeAmount: Decimal
    public var cashAmount: Decimal
    public var creditAmount: Decimal
    public var couponAmount: Decimal
    public var flexipurchaseCouponAmount: Decimal = 0
    public var storedCardAmount: Decimal = 0
    public var bonusAmount: Decimal = 0
    public var debtAmount: Decimal
    public var adjustmentAmount: Decimal = 0
    public var officialAmount: Decimal
    public var discountAmount: Decimal
    public var measureID = 1
    /// 19 year, 20 month, 25 hour (pay-per-use).
    public var periodType: Int
    public var rootResourceID: String
    public var parentResourceID: String
    public var tradeID: String
    /// Per-record rows only (statistic_type 3).
    public var id: String?
    public var productSpecDesc: String
    public var azCodeInfos: [AzCode] = []
    public var payerAccountID: String
    /// Per-record rows only.
    public var effectiveTime: String?
    public var expireTime: String?
    public var consumeTime: String?
    public var accountName: String
    public var isSpot: String?
    public var promotionType: String?
    enum CodingKeys: String, CodingKey {
        case cycle, billDate = "bill_date", billType = "bill_type", customerID = "customer_id", region, regionName = "region_name"
        case cloudServiceType = "cloud_service_type", resourceTypeCode = "resource_Type_code", cloudServiceTypeName = "cloud_service_type_name"
        case resourceTypeName = "resource_type_name", resInstanceID = "res_instance_id", resourceName = "resource_name", resourceTag = "resource_tag"
        case skuCode = "sku_code", enterpriseProjectID = "enterprise_project_id", enterpriseProjectName = "enterprise_project_name"
        case chargeMode = "charge_mode", consumeAmount = "consume_amount", cashAmount = "cash_amount", creditAmount = "credit_amount"
        case couponAmount = "coupon_amount", flexipurchaseCouponAmount = "flexipurchase_coupon_amount", storedCardAmount = "stored_card_amount"
        case bonusAmount = "bonus_amount", debtAmount = "debt_amount", adjustmentAmount = "adjustment_amount", officialAmount = "official_amount"
        case discountAmount = "discount_amount", measureID = "measure_id", periodType = "period_type", rootResourceID = "root_resource_id"
        case parentResourceID = "parent_resource_id", tradeID = "trade_id", id, productSpecDesc = "product_spec_desc", azCodeInfos = "az_code_infos"
        case payerAccountID = "payer_account_id", effectiveTime = "effective_time", expireTime = "expire_time", consumeTime = "consume_time"
        case accountName = "account_name", isSpot = "is_spot", promotionType = "promotion_type"
    }
}

public struct MonthlyBillRecords: Codable, Sendable {
    public var monthlyRecords: [MonthlyBillRecord]
    public var totalCount: Int
    public var currency: String
    enum CodingKeys: String, CodingKey { case monthlyRecords = "monthly_records", totalCount = "total_count", currency }
}

extension BillingStore {
    /// ListCustomerselfResourceRecordDetails: the same groups of fee records as
    /// ListCustomerselfResourceRecords, in Huawei's resource-detail shape, with the catalog's
    /// names in the language asked and each resource's place among its main and attached ones.
    public func customerResourceRecordDetails(caller: Principal, english: Bool, _ q: ResourceRecordDetailsQuery) async throws -> MonthlyBillRecords {
        var asked = q.filter
        if let payer = q.payerAccountID, payer != caller.domainID { asked.nobody = true }
        let filter = asked
        return try await database.read { db in
            let (total, groups) = try await Self.feeGroups(db, customerID: caller.domainID, filter, statistic: q.statisticType, page: q.page)
            let (services, resources) = try await Self.catalogNames(db, english: english)
            var held: [String: (parent: String?, periodType: Int?)] = [:]
            let ids = Array(Set(groups.map(\.resourceID)))
            if !ids.isEmpty {
                for r in try await db.raw("SELECT resource_id, parent_resource_id, period_type FROM customer_resources WHERE customer_id = \(bind: caller.domainID) AND resource_id IN (\(binds: ids))").all() {
                    held[try r.decode(column: "resource_id", as: String.self)] = (try r.decode(column: "parent_resource_id", as: String?.self),
                                                                                  try r.decode(column: "period_type", as: Int?.self))
                }
            }
            let detail = q.statisticType == 3
            return MonthlyBillRecords(monthlyRecords: groups.map { g in
                let d = Units.decimal
                let parent = held[g.resourceID]?.parent ?? g.resourceID
                let period = g.chargingMode == 1 ? (held[g.resourceID]?.periodType == 3 ? 19 : 20) : 25
                return MonthlyBillRecord(
                    cycle: g.cycle, billDate: q.statisticType == 2 ? String(WireTime.utc(g.firstBegin + WireTime.beijingOffset).prefix(10)) : nil,
                    billType: g.billType, customerID: caller.domainID, region: g.region, regionName: g.region, cloudServiceType: g.serviceType,
                    resourceTypeCode: g.resourceType, cloudServiceTypeName: services[g.serviceType], resourceTypeName: resources[g.resourceType],
                    resInstanceID: g.resourceID, resourceName: g.resourceName, skuCode: g.spec, chargeMode: g.chargingMode,
                    consumeAmount: d(g.consume), cashAmount: d(g.cash), creditAmount: d(g.credit), couponAmount: d(g.coupon), debtAmount: d(g.debt),
                    officialAmount: d(g.official), discountAmount: d(g.discount), periodType: period, rootResourceID: parent, parentResourceID: parent,
                    tradeID: g.tradeID, id: detail ? g.id : nil, productSpecDesc: g.spec, payerAccountID: caller.domainID,
                    effectiveTime: detail ? WireTime.utc(g.firstBegin) : nil, expireTime: detail ? WireTime.utc(g.lastEnd) : nil,
                    consumeTime: detail ? WireTime.utc(g.chargingMode == 1 ? g.tradeTime : g.firstBegin) : nil, accountName: caller.domainName,
                    isSpot: detail ? (g.chargingMode == 3 ? "N" : "--") : nil, promotionType: detail && g.discount > 0 ? String(Discount.type) : nil)
            }, totalCount: total, currency: Ledger.currency)
        }
    }
}
