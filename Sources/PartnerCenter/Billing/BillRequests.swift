import Foundation

// The billing operations' bodies, checked at the edge, and the forms bills are asked in.

/// A bill cycle as the wire gives it: `YYYY-MM`, and Beijing days within it.
enum BillCycle {
    /// A required `YYYY-MM`.
    static func check(_ value: String?, _ field: String) throws -> String { try Check.month(value, field) }

    /// A Beijing-day window inside the cycle, given together or not at all.
    static func dayWindow(cycle: String, begin: String?, end: String?, fields: (String, String) = ("bill_date_begin", "bill_date_end"),
                          cycleField: String = "bill_cycle") throws -> (Int64, Int64)? {
        let b = Check.nonEmpty(begin), e = Check.nonEmpty(end)
        let (bf, ef) = fields
        guard b != nil || e != nil else { return nil }
        guard let b, let e else { throw Refusal.parameter(bf, "and \(ef) must be given together") }
        guard b.count == 10, let bt = WireTime.parseUTC(b + "T00:00:00Z") else { throw Refusal.parameter(bf, "must be a date like 2026-01-05") }
        guard e.count == 10, let et = WireTime.parseUTC(e + "T00:00:00Z") else { throw Refusal.parameter(ef, "must be a date like 2026-01-20") }
        guard b.hasPrefix(cycle), e.hasPrefix(cycle) else { throw Refusal.parameter(bf, "and \(ef) must lie in \(cycleField)") }
        guard bt <= et else { throw Refusal.parameter(bf, "must not be after \(ef)") }
        return (bt - WireTime.beijingOffset, et + WireTime.dayMillis - WireTime.beijingOffset)
    }
}

/// ListConsumeSubCustomers: one cycle, a page of at most 1000.
public struct ConsumingCustomersQuery: CheckedRequest {
    public var cycle: String
    public var page: Page

    public init(_ r: ConsumeSubCustomersRequest) throws {
        cycle = try BillCycle.check(r.billCycle, "bill_cycle")
        page = try Page(offset: r.offset, limit: r.limit, maxLimit: 1000, maxOffset: Int(Int32.max))
    }
}

/// ListFreeResourceInfos: the filters over the caller's resource packages, checked.
public struct PackageFilter: CheckedRequest {
    public var regionCode: String?
    public var orderID: String?
    public var productID: String?
    /// An infix match.
    public var productName: String?
    /// 0 not yet effective, 1 effective, 2 used up, 3 expired, 4 (stored) ended.
    public var status: Int?
    public var serviceTypes: [String]
    public var page: Page

    public init(_ q: FreeResourceQuery) throws {
        for (v, f, m) in [(q.regionCode, "region_code", 64), (q.orderID, "order_id", 64), (q.productID, "product_id", 64), (q.productName, "product_name", 256),
                          (q.enterpriseProjectID, "enterprise_project_id", 64)] { try Check.length(v, f, max: m) }
        try Check.range(q.status, "status", 0...4)
        if let l = q.serviceTypeCodeList, l.count > 10 { throw Refusal.parameter("service_type_code_list", "has more than 10 entries") }
        page = try Page(offset: q.offset, limit: q.limit, maxLimit: 1000, maxOffset: 999_999)
        regionCode = Check.nonEmpty(q.regionCode)
        orderID = Check.nonEmpty(q.orderID)
        productID = Check.nonEmpty(q.productID)
        productName = Check.nonEmpty(q.productName)
        status = q.status
        serviceTypes = q.serviceTypeCodeList ?? []
    }
}

/// ListFreeResourceUsages: up to 100 package items by id.
public struct PackageItemsQuestion: CheckedRequest {
    public var ids: [String]

    public init(_ r: FreeResourceUsagesRequest) throws {
        guard let ids = r.freeResourceIDs, !ids.isEmpty else { throw Refusal.parameter("free_resource_ids", "is required") }
        guard ids.count <= 100 else { throw Refusal.parameter("free_resource_ids", "has more than 100 entries") }
        for (i, id) in ids.enumerated() { _ = try Check.required(id, "free_resource_ids[\(i)]", max: 64) }
        self.ids = ids
    }
}
