import Foundation

// The GET operations' query strings, parsed and checked: what the billing store reads them as.

private let knownBillTypes = [1, 2, 3, 4, 5, 8, 9, 14, 16, 18, 20, 23, 24, 25, 103]

/// method / sub_customer_id of the customer bill queries: "oneself", "sub_customer" or "all".
private func billMethod(_ query: QueryParameters) throws -> String {
    let method = Check.nonEmpty(query["method"]) ?? "all"
    try Check.oneOf(method, "method", ["oneself", "sub_customer", "all"])
    if method == "sub_customer", Check.nonEmpty(query["sub_customer_id"]) == nil {
        throw Refusal.parameter("sub_customer_id", "is required when method is sub_customer")
    }
    return method
}

/// ShowCustomerMonthlySum
public struct CustomerMonthlySumQuery: Sendable {
    public var cycle: String
    public var serviceTypeCode: String?
    public var method: String
    public var page: Page

    public init(_ query: QueryParameters) throws {
        cycle = try BillCycle.check(query["bill_cycle"], "bill_cycle")
        serviceTypeCode = Check.nonEmpty(query["service_type_code"])
        try Check.length(serviceTypeCode, "service_type_code", max: 64)
        try Check.length(query["enterprise_project_id"], "enterprise_project_id", max: 64)
        method = try billMethod(query)
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
    }
}

/// ListCustomerBillsFeeRecords
public struct CustomerFeeRecordsQuery: Sendable {
    public var cycle: String
    public var providerType: Int?
    public var chargingMode: Int?
    public var billType: Int?
    public var status: Int?
    public var method: String
    public var includeZeroRecord: Bool
    /// bill_date_begin/end: from the first day's start to the last day's end (Beijing), in UTC milliseconds.
    public var days: (begin: Int64, end: Int64)?
    public var serviceTypeCode: String?
    public var resourceTypeCode: String?
    public var regionCode: String?
    public var tradeID: String?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        cycle = try BillCycle.check(query["bill_cycle"], "bill_cycle")
        providerType = try query.queryInt("provider_type")
        if let p = providerType, p != 1 && p != 2 { throw Refusal.parameter("provider_type", "must be 1 or 2") }
        chargingMode = try query.queryInt("charging_mode")
        if let c = chargingMode, ![1, 3, 10, 11].contains(c) { throw Refusal.parameter("charging_mode", "must be 1, 3, 10 or 11") }
        billType = try query.queryInt("bill_type")
        if let b = billType, !knownBillTypes.contains(b) { throw Refusal.parameter("bill_type", "is not a known bill type") }
        status = try query.queryInt("status")
        if let s = status, ![1, 2, 3].contains(s) { throw Refusal.parameter("status", "must be 1, 2 or 3") }
        method = try billMethod(query)
        includeZeroRecord = query["include_zero_record"] == "true"
        days = try BillCycle.dayWindow(cycle: cycle, begin: query["bill_date_begin"], end: query["bill_date_end"])
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
        serviceTypeCode = Check.nonEmpty(query["service_type_code"])
        resourceTypeCode = Check.nonEmpty(query["resource_type_code"])
        regionCode = Check.nonEmpty(query["region_code"])
        tradeID = Check.nonEmpty(query["trade_id"])
    }
}

/// ListCustomerselfResourceRecords
public struct CustomerResourceRecordsQuery: Sendable {
    public var cycle: String
    public var chargeMode: Int?
    public var billType: Int?
    /// 3 (each record, the default), 2 (per resource and Beijing day) or 1 (per resource and cycle).
    public var statisticType: Int
    public var method: String
    /// bill_date_begin/end: from the first day's start to the last day's end (Beijing), in UTC milliseconds.
    public var days: (begin: Int64, end: Int64)?
    public var includeZeroRecord: Bool
    public var cloudServiceType: String?
    public var region: String?
    public var resourceID: String?
    public var tradeID: String?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        cycle = try BillCycle.check(query["cycle"], "cycle")
        chargeMode = try query.queryIntStrict("charge_mode")
        if let c = chargeMode, ![1, 3, 10, 11].contains(c) { throw Refusal.parameter("charge_mode", "must be 1, 3, 10 or 11") }
        billType = try query.queryInt("bill_type")
        if let b = billType, !knownBillTypes.contains(b) { throw Refusal.parameter("bill_type", "is not a known bill type") }
        statisticType = try query.queryInt("statistic_type") ?? 3
        guard [1, 2, 3].contains(statisticType) else { throw Refusal.parameter("statistic_type", "must be 1, 2 or 3") }
        method = try billMethod(query)
        days = try BillCycle.dayWindow(cycle: cycle, begin: query["bill_date_begin"], end: query["bill_date_end"])
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
        includeZeroRecord = query["include_zero_record"] == "true"
        cloudServiceType = Check.nonEmpty(query["cloud_service_type"])
        region = Check.nonEmpty(query["region"])
        resourceID = Check.nonEmpty(query["resource_id"])
        tradeID = Check.nonEmpty(query["trade_id"])
    }
}

/// ListSubCustomerBillDetail. That the cycle lies within the bill window (relative to the
/// business clock) is the store's check, made after these.
public struct SubCustomerFeeRecordsQuery: Sendable {
    public var cycle: String
    public var customerID: String?
    public var serviceTypeCode: String?
    public var regionCode: String?
    public var resourceID: String?
    public var resourceName: String?
    public var tradeID: String?
    public var accountManagerID: String?
    public var indirectPartnerID: String?
    public var chargingMode: Int?
    public var billDetailType: Int?
    /// "1" or "2".
    public var associationType: String?
    /// bill_date_begin/end: from the first day's start to the last day's end (Beijing), in UTC milliseconds.
    public var days: (begin: Int64, end: Int64)?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        cycle = try BillCycle.check(query["bill_cycle"], "bill_cycle")
        for k in ["customer_id", "service_type_code", "region_code", "resource_id", "resource_name", "trade_id", "account_manager_id", "indirect_partner_id"] {
            try Check.length(query[k], k, max: 64)
        }
        for k in ["resource_id", "resource_name", "trade_id", "account_manager_id"] where query[k] == "" { throw Refusal.parameter(k, "must not be an empty string") }
        chargingMode = try query.queryIntStrict("charging_mode")
        if let c = chargingMode, ![1, 3, 10, 11].contains(c) { throw Refusal.parameter("charging_mode", "must be 1, 3, 10 or 11") }
        billDetailType = try query.queryIntStrict("bill_detail_type")
        if let b = billDetailType, !knownBillTypes.contains(b) { throw Refusal.parameter("bill_detail_type", "is not a known bill type") }
        if let a = query["association_type"] { try Check.oneOf(a, "association_type", ["1", "2"]) }
        days = try BillCycle.dayWindow(cycle: cycle, begin: query["bill_date_begin"], end: query["bill_date_end"])
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
        customerID = Check.nonEmpty(query["customer_id"])
        serviceTypeCode = Check.nonEmpty(query["service_type_code"])
        regionCode = Check.nonEmpty(query["region_code"])
        resourceID = Check.nonEmpty(query["resource_id"])
        resourceName = Check.nonEmpty(query["resource_name"])
        tradeID = Check.nonEmpty(query["trade_id"])
        accountManagerID = Check.nonEmpty(query["account_manager_id"])
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        associationType = Check.nonEmpty(query["association_type"])
    }
}

/// ListSubcustomerMonthlyBills. That the cycle lies within the bill window (relative to the
/// business clock) is the store's check, made after these.
public struct PartnerMonthlyBillsQuery: Sendable {
    public var cycle: String
    /// 1, 3 or 11.
    public var chargeMode: Int
    /// "0" (consumption), "1" (refund) or "2".
    public var billType: String?
    public var customerID: String?
    public var cloudServiceType: String?
    public var indirectPartnerID: String?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        cycle = try BillCycle.check(query["cycle"], "cycle")
        guard let chargeMode = Check.nonEmpty(query["charge_mode"]) else { throw Refusal.parameter("charge_mode", "is required") }
        try Check.oneOf(chargeMode, "charge_mode", ["1", "3", "11"])
        self.chargeMode = Int(chargeMode)!
        billType = Check.nonEmpty(query["bill_type"])
        try Check.oneOf(billType, "bill_type", ["0", "1", "2"])
        try Check.length(query["customer_id"], "customer_id", max: 64)
        try Check.length(query["cloud_service_type"], "cloud_service_type", max: 256)
        try Check.length(query["indirect_partner_id"], "indirect_partner_id", max: 64)
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
        customerID = Check.nonEmpty(query["customer_id"])
        cloudServiceType = Check.nonEmpty(query["cloud_service_type"])
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
    }
}

/// ListFreeResourcesUsageRecords
public struct PackageUsageQuery: Sendable {
    public var freeResourceID: String?
    public var productID: String?
    public var resourceTypeCode: String?
    /// deduct_time_begin/end: each date's 00:00 read as UTC (the store shifts them to Beijing days).
    public var begin: Int64
    public var end: Int64
    public var page: Page

    public init(_ query: QueryParameters) throws {
        for k in ["free_resource_id", "product_id", "resource_type_code"] { try Check.length(query[k], k, max: 64) }
        guard let b = Check.nonEmpty(query["deduct_time_begin"]), b.count == 10, let begin = WireTime.parseUTC(b + "T00:00:00Z") else {
            throw Refusal.parameter("deduct_time_begin", "is required, a date like 2026-01-01")
        }
        guard let e = Check.nonEmpty(query["deduct_time_end"]), e.count == 10, let end = WireTime.parseUTC(e + "T00:00:00Z") else {
            throw Refusal.parameter("deduct_time_end", "is required, a date like 2026-01-31")
        }
        guard begin <= end else { throw Refusal.parameter("deduct_time_begin", "must not be after deduct_time_end") }
        guard end - begin <= 90 * 86_400_000 else { throw Refusal.parameter("deduct_time_end", "must be at most 90 days after deduct_time_begin") }
        self.begin = begin
        self.end = end
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
        freeResourceID = Check.nonEmpty(query["free_resource_id"])
        productID = Check.nonEmpty(query["product_id"])
        resourceTypeCode = Check.nonEmpty(query["resource_type_code"])
    }
}

/// The query parameters ListResourceUsage and ListResourceUsageSummary share (95 bandwidth).
public struct Bandwidth95Filter: Sendable {
    public var cycle: String
    public var serviceTypeCode: String
    public var resourceTypeCode: String
    public var usageType: String
    public var page: Page

    public init(_ query: QueryParameters) throws {
        cycle = try BillCycle.check(query["bill_cycle"], "bill_cycle")
        serviceTypeCode = try Check.required(query["service_type_code"], "service_type_code", max: 64)
        resourceTypeCode = try Check.required(query["resource_type_code"], "resource_type_code", max: 64)
        usageType = try Check.required(query["usage_type"], "usage_type", max: 64)
        try Check.oneOf(serviceTypeCode, "service_type_code", Set(Bandwidth95.resources.keys))
        try Check.oneOf(resourceTypeCode, "resource_type_code", Set(Bandwidth95.resources.values))
        try Check.oneOf(usageType, "usage_type", Bandwidth95.usageTypes)
        page = try Page(offset: try query.queryIntStrict("offset"), limit: try query.queryIntStrict("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
    }
}

/// ListResourceUsage
public struct ResourceUsageQuery: Sendable {
    public var filter: Bandwidth95Filter
    public var resourceID: String

    public init(_ query: QueryParameters) throws {
        filter = try Bandwidth95Filter(query)
        resourceID = try Check.required(query["resource_id"], "resource_id", max: 64)
    }
}

/// ListResourceUsageSummary
public struct ResourceUsageSummaryQuery: Sendable {
    public var filter: Bandwidth95Filter

    public init(_ query: QueryParameters) throws {
        filter = try Bandwidth95Filter(query)
    }
}

/// QueryResRecordsDetailReq (ListCustomerselfResourceRecordDetails)
public struct ResRecordsDetailRequest: Codable, Sendable {
    public var cycle: String?
    public var cloudServiceType: String?
    public var resourceType: String?
    public var region: String?
    public var resInstanceID: String?
    public var chargeMode: Int?
    public var billType: Int?
    public var enterpriseProjectID: String?
    public var includeZeroRecord: Bool?
    public var offset: Int?
    public var limit: Int?
    public var method: String?
    public var subCustomerID: String?
    public var statisticType: Int?
    public var queryType: String?
    public var billCycleBegin: String?
    public var billCycleEnd: String?
    public var payerAccountID: String?
    enum CodingKeys: String, CodingKey {
        case cycle, cloudServiceType = "cloud_service_type", resourceType = "resource_type", region, resInstanceID = "res_instance_id"
        case chargeMode = "charge_mode", billType = "bill_type", enterpriseProjectID = "enterprise_project_id", includeZeroRecord = "include_zero_record"
        case offset, limit, method, subCustomerID = "sub_customer_id", statisticType = "statistic_type", queryType = "query_type"
        case billCycleBegin = "bill_cycle_begin", billCycleEnd = "bill_cycle_end", payerAccountID = "payer_account_id"
    }
}

/// ListCustomerselfResourceRecordDetails: the customer's own fee records per resource and
/// cycle (statistic_type 1, the default), per day (2) or per record (3).
public struct ResourceRecordDetailsQuery: CheckedRequest {
    var filter: FeeGroupFilter
    public var statisticType: Int
    /// Another payer's records were asked for (checked against the caller in the store).
    public var payerAccountID: String?
    public var page: Page

    public init(_ r: ResRecordsDetailRequest) throws {
        let cycle = try BillCycle.check(r.cycle, "cycle")
        guard cycle >= "2019-01" else { throw Refusal.parameter("cycle", "must be 2019-01 or later") }
        for (v, f) in [(r.cloudServiceType, "cloud_service_type"), (r.resourceType, "resource_type"), (r.region, "region"),
                       (r.resInstanceID, "res_instance_id"), (r.enterpriseProjectID, "enterprise_project_id"), (r.method, "method"),
                       (r.subCustomerID, "sub_customer_id"), (r.payerAccountID, "payer_account_id")] {
            try Check.length(v, f, max: 64)
        }
        if let c = r.chargeMode, ![1, 3, 10, 11].contains(c) { throw Refusal.parameter("charge_mode", "must be 1, 3, 10 or 11") }
        if let b = r.billType, !knownBillTypes.contains(b) { throw Refusal.parameter("bill_type", "is not a known bill type") }
        statisticType = r.statisticType ?? 1
        guard [1, 2, 3].contains(statisticType) else { throw Refusal.parameter("statistic_type", "must be 1, 2 or 3") }
        let queryType = Check.nonEmpty(r.queryType) ?? "BILLCYCLE"
        try Check.oneOf(queryType, "query_type", ["BILLCYCLE", "DAILY"])
        let days = try BillCycle.dayWindow(cycle: cycle, begin: r.billCycleBegin, end: r.billCycleEnd,
                                           fields: ("bill_cycle_begin", "bill_cycle_end"), cycleField: "cycle")
        if queryType == "DAILY" {
            guard statisticType != 1 else { throw Refusal.parameter("query_type", "DAILY needs statistic_type 2 or 3") }
            guard days != nil else { throw Refusal.parameter("bill_cycle_begin", "and bill_cycle_end are required when query_type is DAILY") }
        }
        let method = Check.nonEmpty(r.method) ?? "all"
        try Check.oneOf(method, "method", ["oneself", "sub_customer", "all"])
        if method == "sub_customer", Check.nonEmpty(r.subCustomerID) == nil {
            throw Refusal.parameter("sub_customer_id", "is required when method is sub_customer")
        }
        let project = Check.nonEmpty(r.enterpriseProjectID)
        payerAccountID = Check.nonEmpty(r.payerAccountID)
        page = try Page(offset: r.offset, limit: r.limit, maxLimit: 1000, maxOffset: Int(Int32.max))
        // Every resource here is in the default enterprise project ("0"); a customer has no
        // member accounts, so a member's records are none.
        filter = FeeGroupFilter(cycle: cycle, chargeMode: r.chargeMode, billType: r.billType, includeZero: r.includeZeroRecord ?? true, days: days,
                                serviceType: Check.nonEmpty(r.cloudServiceType), resourceType: Check.nonEmpty(r.resourceType),
                                region: Check.nonEmpty(r.region), resourceID: Check.nonEmpty(r.resInstanceID), tradeID: nil,
                                nobody: method == "sub_customer" || (project != nil && project != "0"))
    }
}

/// ListCustomerBillsMonthlyBreakDown. That the month lies in the last 18 months (relative to
/// the business clock) is the store's check.
public struct MonthlyBreakdownQuery: Sendable {
    public var month: String
    public var serviceType: String?
    public var resourceType: String?
    public var region: String?
    public var chargingMode: Int?
    public var billType: Int?
    public var resourceID: String?
    public var resourceName: String?
    /// A member account's costs, or another enterprise project's: none here.
    public var nobody: Bool
    public var page: Page

    public init(_ query: QueryParameters) throws {
        month = try BillCycle.check(query["shared_month"], "shared_month")
        for k in ["service_type_code", "resource_type_code", "region_code", "resource_id", "resource_name", "enterprise_project_id", "method", "sub_customer_id"] {
            try Check.length(query[k], k, max: 64)
        }
        serviceType = query["service_type_code"]
        resourceType = query["resource_type_code"]
        region = Check.nonEmpty(query["region_code"])
        resourceID = Check.nonEmpty(query["resource_id"])
        resourceName = Check.nonEmpty(query["resource_name"])
        chargingMode = try query.queryInt("charging_mode")
        if let c = chargingMode, ![1, 3, 10, 11].contains(c) { throw Refusal.parameter("charging_mode", "must be 1, 3, 10 or 11") }
        billType = try query.queryInt("bill_type")
        if let b = billType, !knownBillTypes.contains(b) { throw Refusal.parameter("bill_type", "is not a known bill type") }
        let method = try billMethod(query)
        let project = Check.nonEmpty(query["enterprise_project_id"])
        nobody = method == "sub_customer" || (project != nil && project != "0")
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
    }
}
