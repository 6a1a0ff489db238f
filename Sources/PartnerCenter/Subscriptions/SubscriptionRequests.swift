import Foundation

// The subscription operations' bodies, checked at the edge: what the resource store reads.

/// ListPayPerUseCustomerResources: a customer's yearly/monthly resources, filtered.
public struct ResourceFilter: Sendable {
    /// A customer caller's own id, or the customer a partner names (required for partners).
    public var customerID: String
    public var resourceIDs: [String]
    /// Only the main resources (1), or main resources with what is attached to them (0).
    public var onlyMain: Bool
    public var orderID: String?
    /// 2 in use, 3 frozen, 4 terminated, 5 expired (on the business clock).
    public var statuses: [Int]
    public var serviceType: String?
    public var expiresFrom: Int64?
    public var expiresUntil: Int64?
    public var page: Page

    public init(_ r: QueryResourcesRequest, caller: Principal) throws {
        if let ids = r.resourceIDs, ids.count > 50 { throw Refusal.parameter("resource_ids", "has more than 50 entries") }
        try Check.length(r.orderID, "order_id", max: 64)
        if let m = r.onlyMainResource, m != 0 && m != 1 { throw Refusal.parameter("only_main_resource", "must be 0 or 1") }
        if let s = r.statusList {
            guard s.count <= 10 else { throw Refusal.parameter("status_list", "has more than 10 entries") }
            guard s.allSatisfy({ [2, 3, 4, 5].contains($0) }) else { throw Refusal.parameter("status_list", "values must be 2, 3, 4 or 5") }
        }
        if r.serviceTypeCode == "" { throw Refusal.parameter("service_type_code", "must not be an empty string") }
        try Check.length(r.serviceTypeCode, "service_type_code", max: 64)
        try Check.length(r.customerID, "customer_id", max: 64)
        expiresFrom = try Check.utcTime(Check.nonEmpty(r.expireTimeBegin), "expire_time_begin")
        expiresUntil = try Check.utcTimeEnd(Check.nonEmpty(r.expireTimeEnd), "expire_time_end")
        page = try Page(offset: r.offset, limit: r.limit, maxLimit: 500, maxOffset: Int(Int32.max))
        customerID = caller.kind == .customer ? caller.domainID : try Check.required(r.customerID, "customer_id", max: 64)
        resourceIDs = r.resourceIDs ?? []
        onlyMain = r.onlyMainResource == 1
        orderID = Check.nonEmpty(r.orderID)
        statuses = r.statusList ?? []
        serviceType = r.serviceTypeCode
    }
}

/// ListRenewRateOnPeriod: up to 10 main resources, one renewal period.
public struct RenewInquiry: CheckedRequest {
    public var resourceIDs: [String]
    /// 2 month (1–11) or 3 year (1–3).
    public var periodType: Int
    public var periodNum: Int

    public init(_ r: RenewRateRequest) throws {
        guard let ids = r.resourceIDs, !ids.isEmpty else { throw Refusal.parameter("resource_ids", "is required") }
        guard ids.count <= 10 else { throw Refusal.parameter("resource_ids", "has more than 10 entries") }
        for (i, id) in ids.enumerated() { _ = try Check.required(id, "resource_ids[\(i)]", max: 64) }
        guard Set(ids).count == ids.count else { throw Refusal(.duplicateResourceIDs, "The resource IDs in the request are duplicate.") }
        guard let type = r.periodType else { throw Refusal.parameter("period_type", "is required") }
        guard type == 2 || type == 3 else { throw Refusal.parameter("period_type", "must be 2 (month) or 3 (year)") }
        guard let num = r.periodNum else { throw Refusal.parameter("period_num", "is required") }
        try Check.range(num, "period_num", 1...(type == 2 ? 11 : 3))
        (resourceIDs, periodType, periodNum) = (ids, type, num)
    }
}

/// The operator provisions a resource for a customer (`admin resource provision`, POST
/// /operator/resources): its form checked.
public struct Provisioning: CheckedRequest {
    public var customerID: String
    public var service: String
    public var resource: String
    public var spec: String
    public var region: String
    /// "period" (yearly/monthly) or "on_demand".
    public var mode: String
    /// For a yearly/monthly resource: 2 month (1–11) or 3 year (1–5); nil on demand.
    public var periodType: Int?
    public var periodNum: Int?
    public var size: Int?
    public var sizeMeasureID: Int?
    public var parentResourceID: String?
    /// The resource id given, or nil for a new one.
    public var resourceID: String?
    public var name: String?
    public var projectID: String?
    public var autoRenew: Bool
    /// effective_time, or nil for the business clock's now.
    public var effective: Int64?

    public init(_ r: ProvisionRequest) throws {
        customerID = try Check.required(r.customerID, "customer_id", max: 64)
        service = try Check.required(r.cloudServiceType, "cloud_service_type", max: 400)
        resource = try Check.required(r.resourceType, "resource_type", max: 400)
        spec = try Check.required(r.resourceSpec, "resource_spec", max: 400)
        region = try Check.required(r.region, "region", max: 64)
        mode = r.chargeMode ?? "period"
        try Check.oneOf(mode, "charge_mode", ["period", "on_demand"])
        try Check.length(r.resourceID, "resource_id", max: 64)
        try Check.length(r.resourceName, "resource_name", max: 128)
        try Check.length(r.projectID, "project_id", max: 64)
        try Check.range(r.resourceSize, "resource_size", 1...Int(Int32.max))
        periodType = mode == "period" ? (r.periodType ?? 2) : nil
        periodNum = mode == "period" ? (r.periodNum ?? 1) : nil
        if let periodType {
            guard [2, 3].contains(periodType) else { throw Refusal.parameter("period_type", "must be 2 (month) or 3 (year)") }
            try Check.range(periodNum, "period_num", 1...(periodType == 2 ? 11 : 5))
        }
        effective = try Check.utcTime(r.effectiveTime, "effective_time")
        size = r.resourceSize
        sizeMeasureID = r.sizeMeasureID
        parentResourceID = r.parentResourceID
        resourceID = r.resourceID
        name = r.resourceName
        projectID = r.projectID
        autoRenew = r.autoRenew == true
    }
}

/// ListCustomerOnDemandResources: one reseller-model customer's pay-per-use resources.
public struct OnDemandResourceFilter: Sendable {
    public var customerID: String
    public var regionCode: String?
    public var serviceType: String?
    public var resourceIDs: [String]
    public var effectiveFrom: Int64?
    public var effectiveUntil: Int64?
    /// 1 normal, 6 closed (the others never occur here).
    public var status: Int?
    public var indirectPartnerID: String?
    public var english: Bool
    public var page: Page

    public init(_ r: OnDemandResourcesRequest, language: String?) throws {
        customerID = try Check.required(r.customerID, "customer_id", max: 64)
        try Check.length(r.regionCode, "region_code", max: 64)
        try Check.length(r.serviceTypeCode, "service_type_code", max: 64)
        if let ids = r.resourceIDs, ids.count > 50 { throw Refusal.parameter("resource_ids", "has more than 50 entries") }
        try Check.length(r.effectiveTimeBegin, "effective_time_begin", max: 20)
        try Check.length(r.effectiveTimeEnd, "effective_time_end", max: 20)
        effectiveFrom = try Check.utcTime(Check.nonEmpty(r.effectiveTimeBegin), "effective_time_begin")
        effectiveUntil = try Check.utcTimeEnd(Check.nonEmpty(r.effectiveTimeEnd), "effective_time_end")
        try Check.range(r.status, "status", 1...6)
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 64)
        page = try Page(offset: r.offset, limit: r.limit, maxOffset: Int(Int32.max))
        english = try CatalogLanguage(header: language).english
        regionCode = Check.nonEmpty(r.regionCode)
        serviceType = Check.nonEmpty(r.serviceTypeCode)
        resourceIDs = r.resourceIDs ?? []
        status = r.status
        indirectPartnerID = Check.nonEmpty(r.indirectPartnerID)
    }
}
