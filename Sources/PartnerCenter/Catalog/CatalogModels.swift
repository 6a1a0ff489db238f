import Foundation

// Catalog lookups, keys as the official SDK spells them.

public struct ServiceTypeInfo: Codable, Sendable {
    public var serviceTypeName: String
    public var serviceTypeCode: String
    public var abbreviation: String?
    enum CodingKeys: String, CodingKey { case serviceTypeName = "service_type_name", serviceTypeCode = "service_type_code", abbreviation }
}
public struct ServiceTypeList: Codable, Sendable {
    public var totalCount: Int
    public var serviceTypes: [ServiceTypeInfo]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", serviceTypes = "service_types" }
}

public struct ResourceTypeInfo: Codable, Sendable {
    public var resourceTypeCode: String
    public var resourceTypeName: String
    public var resourceTypeDesc: String
    public var serviceTypeCode: String
    enum CodingKeys: String, CodingKey {
        case resourceTypeCode = "resource_type_code", resourceTypeName = "resource_type_name", resourceTypeDesc = "resource_type_desc", serviceTypeCode = "service_type_code"
    }
}
public struct ResourceTypeList: Codable, Sendable {
    public var totalCount: Int
    public var resourceTypes: [ResourceTypeInfo]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", resourceTypes = "resource_types" }
}

public struct ResourceBasicInfo: Codable, Sendable {
    public var resourceTypeCode: String
    public var productOwnerService: String
    public var name: String
    public var description: String
    enum CodingKeys: String, CodingKey { case resourceTypeCode = "resource_type_code", productOwnerService = "product_owner_service", name, description }
}
public struct ServiceResourceInfo: Codable, Sendable {
    public var basicInfo: ResourceBasicInfo
    enum CodingKeys: String, CodingKey { case basicInfo = "basic_info" }
}
public struct ServiceResourceList: Codable, Sendable {
    public var totalCount: Int
    public var infos: [ServiceResourceInfo]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", infos }
}

public struct UsageTypeInfo: Codable, Sendable {
    public var code: String
    public var name: String
    public var resourceTypeCode: String
    public var serviceTypeCode: String
    public var resourceTypeName: String
    public var serviceTypeName: String
    enum CodingKeys: String, CodingKey {
        case code, name, resourceTypeCode = "resource_type_code", serviceTypeCode = "service_type_code"
        case resourceTypeName = "resource_type_name", serviceTypeName = "service_type_name"
    }
}
public struct UsageTypeList: Codable, Sendable {
    public var totalCount: Int
    public var usageTypes: [UsageTypeInfo]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", usageTypes = "usage_types" }
}

public struct MeasureUnitInfo: Codable, Sendable {
    public var measureID: Int
    public var measureName: String
    public var abbreviation: String
    public var measureType: Int
    enum CodingKeys: String, CodingKey { case measureID = "measure_id", measureName = "measure_name", abbreviation, measureType = "measure_type" }
}
public struct MeasureUnitList: Codable, Sendable {
    public var measureUnits: [MeasureUnitInfo]
    enum CodingKeys: String, CodingKey { case measureUnits = "measure_units" }
}

public struct ConversionInfo: Codable, Sendable {
    public var measureID: Int
    public var refMeasureID: Int
    public var conversionRatio: Int64
    public var measureType: Int
    enum CodingKeys: String, CodingKey { case measureID = "measure_id", refMeasureID = "ref_measure_id", conversionRatio = "conversion_ratio", measureType = "measure_type" }
}
public struct ConversionList: Codable, Sendable {
    public var conversions: [ConversionInfo]
}

/// ResourceSpecsQueryReq
public struct ResourceSpecsRequest: Codable, Sendable {
    public struct Filter: Codable, Sendable { public var key: String?; public var value: String? }
    public var cloudServiceType: String?
    public var resourceType: String?
    public var regionCode: String?
    /// "1" yearly/monthly, "3" pay-per-use.
    public var chargeMode: String?
    public var filters: [Filter]?
    public var marker: String?
    public var limit: Int?
    enum CodingKeys: String, CodingKey {
        case cloudServiceType = "cloud_service_type", resourceType = "resource_type", regionCode = "region_code", chargeMode = "charge_mode"
        case filters, marker, limit
    }
}

/// CloudServiceBasic
public struct ResourceSpecInfo: Codable, Sendable {
    public var cloudServiceType: String
    public var cloudServiceTypeName: String?
    public var resourceType: String
    public var resourceTypeName: String?
    public var resourceSpec: String
    public var resourceSpecName: String
    public var chargeMode: String
    public var regionCode: String
    enum CodingKeys: String, CodingKey {
        case cloudServiceType = "cloud_service_type", cloudServiceTypeName = "cloud_service_type_name", resourceType = "resource_type"
        case resourceTypeName = "resource_type_name", resourceSpec = "resource_spec", resourceSpecName = "resource_spec_name"
        case chargeMode = "charge_mode", regionCode = "region_code"
    }
}

/// ListResourceSpecsResponse
public struct ResourceSpecList: Codable, Sendable {
    public struct PageInfo: Codable, Sendable {
        /// Where the next page starts; null on the last page.
        public var nextMarker: String?
        enum CodingKeys: String, CodingKey { case nextMarker = "next_marker" }
    }
    public var pageInfo: PageInfo
    public var cloudServiceBasics: [ResourceSpecInfo]
    enum CodingKeys: String, CodingKey { case pageInfo = "page_info", cloudServiceBasics = "cloud_service_basics" }
}

/// IncentiveAndDiscountPolicy: all strings on the wire.
public struct IncentivePolicy: Codable, Sendable {
    public var serviceTypeCode: String
    public var serviceTypeName: String
    public var incentivePolicy: String
    public var allowDiscount: String
    enum CodingKeys: String, CodingKey {
        case serviceTypeCode = "service_type_code", serviceTypeName = "service_type_name", incentivePolicy = "incentive_policy", allowDiscount = "allow_discount"
    }
}

public struct IncentivePolicyList: Codable, Sendable {
    public var policies: [IncentivePolicy]
    public var totalCount: Int
    enum CodingKeys: String, CodingKey { case policies, totalCount = "total_count" }
}
