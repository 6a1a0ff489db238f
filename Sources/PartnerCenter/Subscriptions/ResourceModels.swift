import Foundation

/// QueryResourcesReq
public struct QueryResourcesRequest: Codable, Sendable {
    public var resourceIDs: [String]?
    public var orderID: String?
    public var onlyMainResource: Int?
    public var statusList: [Int]?
    public var offset: Int?
    public var limit: Int?
    public var expireTimeBegin: String?
    public var expireTimeEnd: String?
    public var serviceTypeCode: String?
    public var customerID: String?
    enum CodingKeys: String, CodingKey {
        case resourceIDs = "resource_ids", orderID = "order_id", onlyMainResource = "only_main_resource", statusList = "status_list"
        case offset, limit, expireTimeBegin = "expire_time_begin", expireTimeEnd = "expire_time_end"
        case serviceTypeCode = "service_type_code", customerID = "customer_id"
    }
}

public struct EnterpriseProject: Codable, Sendable {
    public var id: String
    public var name: String
}

/// OrderInstanceV2
public struct OrderInstance: Codable, Sendable {
    public var id: String
    public var resourceID: String
    public var resourceName: String
    public var regionCode: String
    public var serviceTypeCode: String
    public var resourceTypeCode: String
    public var resourceTypeName: String
    public var serviceTypeName: String
    public var resourceSpecCode: String
    public var projectID: String
    public var productID: String
    public var parentResourceID: String?
    public var isMainResource: Int
    public var status: Int
    public var effectiveTime: String
    public var expireTime: String?
    public var expirePolicy: Int
    public var productSpecDesc: String
    public var specSize: Decimal?
    public var specSizeMeasureID: Int?
    public var updateTime: String
    public var enterpriseProject: EnterpriseProject
    enum CodingKeys: String, CodingKey {
        case id, resourceID = "resource_id", resourceName = "resource_name", regionCode = "region_code", serviceTypeCode = "service_type_code"
        case resourceTypeCode = "resource_type_code", resourceTypeName = "resource_type_name", serviceTypeName = "service_type_name"
        case resourceSpecCode = "resource_spec_code", projectID = "project_id", productID = "product_id", parentResourceID = "parent_resource_id"
        case isMainResource = "is_main_resource", status, effectiveTime = "effective_time", expireTime = "expire_time", expirePolicy = "expire_policy"
        case productSpecDesc = "product_spec_desc", specSize = "spec_size", specSizeMeasureID = "spec_size_measure_id", updateTime = "update_time"
        case enterpriseProject = "enterprise_project"
    }
}

public struct ResourceList: Codable, Sendable {
    public var data: [OrderInstance]
    public var totalCount: Int
    enum CodingKeys: String, CodingKey { case data, totalCount = "total_count" }
}

/// ListRenewRateOnPeriodReq
public struct RenewRateRequest: Codable, Sendable {
    public var resourceIDs: [String]?
    public var periodType: Int?
    public var periodNum: Int?
    public var includeRelativeResources: Bool?
    enum CodingKeys: String, CodingKey { case resourceIDs = "resource_ids", periodType = "period_type", periodNum = "period_num", includeRelativeResources = "include_relative_resources" }
}

public struct RenewInquiryResult: Codable, Sendable {
    public var resourceID: String
    public var amount: String
    enum CodingKeys: String, CodingKey { case resourceID = "resource_id", amount }
}

public struct OfficialWebsiteRatingResultV2: Codable, Sendable {
    public var officialWebsiteAmount: String
    enum CodingKeys: String, CodingKey { case officialWebsiteAmount = "official_website_amount" }
}

public struct OptionalDiscountRatingResultV2: Codable, Sendable {
    public var discountID: String
    public var amount: String
    public var officialWebsiteAmount: String
    public var discountAmount: String
    public var discountType: Int
    public var discountName: String
    public var bestOffer: Int
    enum CodingKeys: String, CodingKey {
        case discountID = "discount_id", amount, officialWebsiteAmount = "official_website_amount", discountAmount = "discount_amount"
        case discountType = "discount_type", discountName = "discount_name", bestOffer = "best_offer"
    }
}

public struct FailResourceInfo: Codable, Sendable {
    public var errorCode: String
    public var errorMsg: String
    public var resourceID: String
    enum CodingKeys: String, CodingKey { case errorCode = "error_code", errorMsg = "error_msg", resourceID = "resource_id" }
}

public struct RenewRateResponse: Codable, Sendable {
    public var currency: String
    public var renewInquiryResults: [RenewInquiryResult]
    public var officialWebsiteRatingResult: OfficialWebsiteRatingResultV2
    public var optionalDiscountRatingResults: [OptionalDiscountRatingResultV2]
    public var failResourceInfos: [FailResourceInfo]
    enum CodingKeys: String, CodingKey {
        case currency, renewInquiryResults = "renew_inquiry_results", officialWebsiteRatingResult = "official_website_rating_result"
        case optionalDiscountRatingResults = "optional_discount_rating_results", failResourceInfos = "fail_resource_infos"
    }
}

/// What `admin resource provision` and the operator API take.
public struct ProvisionRequest: Codable, Sendable {
    public var customerID: String?
    public var cloudServiceType: String?
    public var resourceType: String?
    public var resourceSpec: String?
    public var region: String?
    public var chargeMode: String?
    public var periodType: Int?
    public var periodNum: Int?
    public var resourceSize: Int?
    public var sizeMeasureID: Int?
    public var parentResourceID: String?
    public var resourceID: String?
    public var resourceName: String?
    public var projectID: String?
    public var autoRenew: Bool?
    public var effectiveTime: String?
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", cloudServiceType = "cloud_service_type", resourceType = "resource_type", resourceSpec = "resource_spec"
        case region, chargeMode = "charge_mode", periodType = "period_type", periodNum = "period_num", resourceSize = "resource_size"
        case sizeMeasureID = "size_measure_id", parentResourceID = "parent_resource_id", resourceID = "resource_id", resourceName = "resource_name"
        case projectID = "project_id", autoRenew = "auto_renew", effectiveTime = "effective_time"
    }
    public init() {}
}
