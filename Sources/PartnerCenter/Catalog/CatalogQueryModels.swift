import Foundation

// The catalog lists' query strings and `X-Language`, parsed and checked: what the catalog
// store reads them as. Integer parameters are read first, as Huawei reports them.

/// `X-Language`: zh_CN by default; any en… value gives the English names.
public struct CatalogLanguage: Sendable, Equatable {
    public var english: Bool

    public init(header: String?) throws {
        guard let l = header, !l.isEmpty else { english = false; return }
        try Check.length(l, "X-Language", max: 8)
        english = l.lowercased().hasPrefix("en")
    }
}

/// ListServiceTypes
public struct ServiceTypesQuery: Sendable {
    public var language: CatalogLanguage
    /// An infix match on the name in `language`.
    public var name: String?
    public var page: Page

    public init(language header: String?, _ query: QueryParameters) throws {
        let (offset, limit) = (try query.queryIntStrict("offset"), try query.queryIntStrict("limit"))
        language = try CatalogLanguage(header: header)
        let name = query["service_type_name"]
        try Check.length(name, "service_type_name", max: 128)
        page = try Page(offset: offset, limit: limit, defaultLimit: 10, maxLimit: 1000, maxOffset: 1_000_000_000)
        self.name = Check.nonEmpty(name)
    }
}

/// ListResourceTypes
public struct ResourceTypesQuery: Sendable {
    public var language: CatalogLanguage
    public var page: Page

    public init(language header: String?, _ query: QueryParameters) throws {
        let (offset, limit) = (try query.queryIntStrict("offset"), try query.queryIntStrict("limit"))
        language = try CatalogLanguage(header: header)
        page = try Page(offset: offset, limit: limit, defaultLimit: 10, maxLimit: 1000, maxOffset: 1_000_000_000)
    }
}

/// ListServiceResources
public struct ServiceResourcesQuery: Sendable {
    public var language: CatalogLanguage
    public var serviceType: String
    public var page: Page

    public init(language header: String?, _ query: QueryParameters) throws {
        let (offset, limit) = (try query.queryIntStrict("offset"), try query.queryIntStrict("limit"))
        language = try CatalogLanguage(header: header)
        serviceType = try Check.required(query["service_type_code"], "service_type_code", max: 64)
        page = try Page(offset: offset, limit: limit, defaultLimit: 10, maxLimit: 100, maxOffset: 10_000_000)
    }
}

/// ListUsageTypes
public struct UsageTypesQuery: Sendable {
    public var language: CatalogLanguage
    public var resourceType: String?
    public var page: Page

    public init(language header: String?, _ query: QueryParameters) throws {
        let (offset, limit) = (try query.queryIntStrict("offset"), try query.queryIntStrict("limit"))
        language = try CatalogLanguage(header: header)
        let resourceType = query["resource_type_code"]
        try Check.length(resourceType, "resource_type_code", max: 64)
        page = try Page(offset: offset, limit: limit, defaultLimit: 10, maxLimit: 100, maxOffset: 100_000_000)
        self.resourceType = Check.nonEmpty(resourceType)
    }
}

/// ListConversions
public struct ConversionsQuery: Sendable {
    public var measureType: Int?

    public init(language header: String?, _ query: QueryParameters) throws {
        let measureType = try query.queryIntStrict("measure_type")
        _ = try CatalogLanguage(header: header)
        try Check.range(measureType, "measure_type", 1...Int(Int32.max))
        self.measureType = measureType
    }
}

/// ListResourceSpecs: the specs on sale for one service, resource type, region and mode,
/// paged by an opaque marker bound to the query it came from.
public struct ResourceSpecsQuery: CheckedRequest {
    public var service: String
    public var resource: String
    public var region: String
    /// "period" or "on_demand" (the wire's "1" and "3").
    public var mode: String
    public var spec: String?
    /// The spec the page starts after.
    public var after: String?
    public var limit: Int
    public var english: Bool = false

    /// What a marker is bound to: the query's conditions.
    var fingerprint: String { [service, resource, region, mode, spec ?? "", String(limit)].joined(separator: "\u{1}") }

    func marker(after spec: String) -> String {
        Data((SDKSignature.hexSHA256(Array(fingerprint.utf8)).prefix(16) + ":" + spec).utf8).base64EncodedString()
    }

    public init(_ r: ResourceSpecsRequest) throws {
        service = try Check.required(r.cloudServiceType, "cloud_service_type", max: 64)
        resource = try Check.required(r.resourceType, "resource_type", max: 64)
        region = try Check.required(r.regionCode, "region_code", max: 64)
        let mode = try Check.required(r.chargeMode, "charge_mode", max: 1)
        try Check.oneOf(mode, "charge_mode", ["1", "3"])
        self.mode = mode == "1" ? "period" : "on_demand"
        let filters = r.filters ?? []
        guard filters.count <= 1 else { throw Refusal.parameter("filters", "has more than 1 entry") }
        if let f = filters.first {
            guard f.key == "RESOURCE_SPEC" else { throw Refusal.parameter("filters[0].key", "must be RESOURCE_SPEC") }
            spec = try Check.required(f.value, "filters[0].value", max: 400)
        }
        try Check.length(r.marker, "marker", max: 128)
        try Check.range(r.limit, "limit", 1...100)
        limit = r.limit ?? 100
        if let m = Check.nonEmpty(r.marker) {
            guard let data = Data(base64Encoded: m), let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":"),
                  String(text[..<colon]) == String(SDKSignature.hexSHA256(Array(fingerprint.utf8)).prefix(16)) else {
                throw Refusal.parameter("marker", "is not a marker of this query")
            }
            after = String(text[text.index(after: colon)...])
        }
    }
}

/// ListIncentiveDiscountPolicies
public struct IncentivePoliciesQuery: Sendable {
    /// The month asked (`YYYY-MM`, Beijing time): policies as they stand at its end.
    public var month: String
    public var serviceType: String?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        let month = try Check.required(query["time"], "time", max: 20)
        let parts = month.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let m = Int(parts[1]), (1...12).contains(m) else {
            throw Refusal.parameter("time", "must be a month like 2024-05")
        }
        self.month = month
        serviceType = query["service_type_code"]
        try Check.length(serviceType, "service_type_code", max: 64)
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"))
    }
}
