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
