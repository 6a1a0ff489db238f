import Foundation

/// ListCostsReq and its parts, as the SDK sends them.
public struct CostsRequest: Codable, Sendable {
    public struct TimeCondition: Codable, Sendable {
        public var timeMeasureID: Int?
        public var beginTime: String?
        public var endTime: String?
        enum CodingKeys: String, CodingKey { case timeMeasureID = "time_measure_id", beginTime = "begin_time", endTime = "end_time" }
    }
    public struct GroupBy: Codable, Sendable {
        public var type: String?
        public var key: String?
    }
    public struct Filter: Codable, Sendable {
        public struct Factor: Codable, Sendable {
            public var key: String?
            public var value: [String]?
        }
        public var `operator`: Int?
        public var filterFactor: Factor?
        enum CodingKeys: String, CodingKey { case `operator`, filterFactor = "filter_factor" }
    }
    public var timeCondition: TimeCondition?
    public var groupby: [GroupBy]?
    public var costType: String?
    public var amountType: String?
    public var filters: [Filter]?
    public var offset: Int?
    public var limit: Int?
    enum CodingKeys: String, CodingKey {
        case timeCondition = "time_condition", groupby, costType = "cost_type", amountType = "amount_type", filters, offset, limit
    }
}

/// ListCosts, checked. Whether the range lies in the last 18 months is the store's check.
public struct CostQuery: CheckedRequest {
    /// A built-in dimension, a cost tag or a cost unit.
    public enum Grouping: Sendable, Equatable {
        case dimension(String)
        case tag(String)
        case costUnit(String)
    }
    public struct Filter: Sendable, Equatable {
        public var include: Bool
        public var key: String
        public var values: Set<String>
    }
    public static let dimensions: Set<String> = ["CLOUD_SERVICE_TYPE", "RESOURCE_TYPE", "ASSOCIATED_ACCOUNT", "REGION_CODE", "AZ_CODE", "ENTERPRISE_PROJECT_ID",
                                                 "RES_SPEC_CODE", "CHARGING_MODE", "USAGE_TYPE", "BILL_TYPE", "BE_ID", "PAYER_ACCOUNT_ID", "RESOURCE_ID"]
    public static let filterKeys: Set<String> = ["CLOUD_SERVICE_TYPE", "ASSOCIATED_ACCOUNT", "REGION_CODE", "RES_SPEC_CODE", "USAGE_TYPE", "ENTERPRISE_PROJECT_ID",
                                                 "RESOURCE_ID", "CHARGING_MODE", "BILL_TYPE", "RESOURCE_TYPE", "AZ_CODE", "BE_ID", "PAYER_ACCOUNT_ID",
                                                 "RESOURCE_TAG", "COST_UNIT"]

    /// true: per Beijing day (`YYYY-MM-DD`); false: per month (`YYYY-MM`).
    public var daily: Bool
    /// The first and last bucket, inclusive, as given.
    public var begin: String
    public var end: String
    public var groupings: [Grouping]
    public var amortized: Bool
    /// NET_AMOUNT: what was paid in money, without what coupons paid.
    public var net: Bool
    public var filters: [Filter]
    public var page: Page

    public init(_ r: CostsRequest) throws {
        guard let t = r.timeCondition else { throw Refusal.parameter("time_condition", "is required") }
        guard let measure = t.timeMeasureID else { throw Refusal.parameter("time_condition.time_measure_id", "is required") }
        guard measure == 1 || measure == 2 else { throw Refusal.parameter("time_condition.time_measure_id", "must be 1 (day) or 2 (month)") }
        let daily = measure == 1
        self.daily = daily
        func bucket(_ v: String?, _ field: String) throws -> String {
            let s = try Check.required(v, field, max: 32)
            let ok = daily ? (s.count == 10 && WireTime.parseUTC(s + "T00:00:00Z") != nil) : (s.count == 7 && WireTime.parseUTC(s + "-01T00:00:00Z") != nil)
            guard ok else { throw Refusal.parameter(field, daily ? "must be a day like 2024-05-01" : "must be a month like 2024-05") }
            return s
        }
        begin = try bucket(t.beginTime, "time_condition.begin_time")
        end = try bucket(t.endTime, "time_condition.end_time")
        guard begin <= end else { throw Refusal.parameter("time_condition.begin_time", "must not be after end_time") }
        guard let groupby = r.groupby else { throw Refusal.parameter("groupby", "is required") }
        guard groupby.count <= 2 else { throw Refusal.parameter("groupby", "has at most 2 entries") }
        groupings = try groupby.map { g in
            let key = try Check.required(g.key, "groupby.key", max: 128)
            switch try Check.required(g.type, "groupby.type", max: 32) {
            case "dimension":
                guard Self.dimensions.contains(key) else { throw Refusal.parameter("groupby.key", "\(key) is not a dimension") }
                return .dimension(key)
            case "tag": return .tag(key)
            case "cost_unit": return .costUnit(key)
            default: throw Refusal.parameter("groupby.type", "must be dimension, tag or cost_unit")
            }
        }
        let tags = groupings.filter { if case .tag = $0 { return true } else { return false } }.count
        let units = groupings.filter { if case .costUnit = $0 { return true } else { return false } }.count
        guard tags < 2, units < 2 else { throw Refusal.parameter("groupby", "may not group by two tags or two cost units") }
        let costType = try Check.required(r.costType, "cost_type", max: 256)
        try Check.oneOf(costType, "cost_type", ["ORIGINAL_COST", "AMORTIZED_COST"])
        amortized = costType == "AMORTIZED_COST"
        let amountType = try Check.required(r.amountType, "amount_type", max: 64)
        try Check.oneOf(amountType, "amount_type", ["PAYMENT_AMOUNT", "NET_AMOUNT"])
        net = amountType == "NET_AMOUNT"
        let given = r.filters ?? []
        guard given.count <= 100 else { throw Refusal.parameter("filters", "has more than 100 entries") }
        filters = try given.map { f in
            guard let op = f.operator, op == 0 || op == 1 else { throw Refusal.parameter("filters.operator", "must be 0 (include) or 1 (exclude)") }
            guard let factor = f.filterFactor else { throw Refusal.parameter("filters.filter_factor", "is required") }
            let key = try Check.required(factor.key, "filters.filter_factor.key", max: 64)
            guard Self.filterKeys.contains(key) else { throw Refusal.parameter("filters.filter_factor.key", "\(key) is not a filter key") }
            guard let values = factor.value else { throw Refusal.parameter("filters.filter_factor.value", "is required") }
            return Filter(include: op == 0, key: key, values: Set(values))
        }
        page = try Page(offset: r.offset, limit: r.limit, maxLimit: 1000, maxOffset: 200_000)
    }
}
