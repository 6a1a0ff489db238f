import Foundation

/// DemandProductInfo
public struct DemandProductInfo: Codable, Sendable {
    public var id: String?
    public var cloudServiceType: String?
    public var resourceType: String?
    public var resourceSpec: String?
    public var region: String?
    public var availableZone: String?
    public var resourceSize: Int?
    public var sizeMeasureID: Int?
    public var usageFactor: String?
    public var usageValue: Decimal?
    public var usageMeasureID: Int?
    public var subscriptionNum: Int?
    enum CodingKeys: String, CodingKey {
        case id, cloudServiceType = "cloud_service_type", resourceType = "resource_type", resourceSpec = "resource_spec", region
        case availableZone = "available_zone", resourceSize = "resource_size", sizeMeasureID = "size_measure_id", usageFactor = "usage_factor"
        case usageValue = "usage_value", usageMeasureID = "usage_measure_id", subscriptionNum = "subscription_num"
    }
}

/// RateOnDemandReq
public struct RateOnDemandRequest: Codable, Sendable {
    public var projectID: String?
    public var inquiryPrecision: Int?
    public var productInfos: [DemandProductInfo]?
    enum CodingKeys: String, CodingKey { case projectID = "project_id", inquiryPrecision = "inquiry_precision", productInfos = "product_infos" }
}

public struct DemandDiscountRatingResult: Codable, Sendable {
    public var discountID: String
    public var discountType: Int
    public var amount: Decimal
    public var measureID: Int
    public var discountName: String
    enum CodingKeys: String, CodingKey { case discountID = "discount_id", discountType = "discount_type", amount, measureID = "measure_id", discountName = "discount_name" }
}

public struct DemandProductRatingResult: Codable, Sendable {
    public var id: String
    public var productID: String
    public var amount: Decimal
    public var discountAmount: Decimal
    public var officialWebsiteAmount: Decimal
    public var measureID: Int
    public var discountRatingResults: [DemandDiscountRatingResult]
    enum CodingKeys: String, CodingKey {
        case id, productID = "product_id", amount, discountAmount = "discount_amount", officialWebsiteAmount = "official_website_amount"
        case measureID = "measure_id", discountRatingResults = "discount_rating_results"
    }
}

public struct OnDemandRatingResponse: Codable, Sendable {
    public var amount: Decimal
    public var discountAmount: Decimal
    public var officialWebsiteAmount: Decimal
    public var measureID: Int
    public var currency: String
    public var productRatingResults: [DemandProductRatingResult]
    enum CodingKeys: String, CodingKey {
        case amount, discountAmount = "discount_amount", officialWebsiteAmount = "official_website_amount", measureID = "measure_id"
        case currency, productRatingResults = "product_rating_results"
    }
}

/// PeriodProductInfo
public struct PeriodProductInfo: Codable, Sendable {
    public var id: String?
    public var cloudServiceType: String?
    public var resourceType: String?
    public var resourceSpec: String?
    public var region: String?
    public var availableZone: String?
    public var resourceSize: Int?
    public var sizeMeasureID: Int?
    public var periodType: Int?
    public var periodNum: Int?
    public var subscriptionNum: Int?
    public var feeInstallmentMode: String?
    enum CodingKeys: String, CodingKey {
        case id, cloudServiceType = "cloud_service_type", resourceType = "resource_type", resourceSpec = "resource_spec", region
        case availableZone = "available_zone", resourceSize = "resource_size", sizeMeasureID = "size_measure_id", periodType = "period_type"
        case periodNum = "period_num", subscriptionNum = "subscription_num", feeInstallmentMode = "fee_installment_mode"
    }
}

/// RateOnPeriodReq
public struct RateOnPeriodRequest: Codable, Sendable {
    public var projectID: String?
    public var productInfos: [PeriodProductInfo]?
    enum CodingKeys: String, CodingKey { case projectID = "project_id", productInfos = "product_infos" }
}

public struct PeriodProductOfficialRatingResult: Codable, Sendable {
    public var id: String
    public var productID: String
    public var officialWebsiteAmount: Decimal
    public var measureID: Int
    enum CodingKeys: String, CodingKey { case id, productID = "product_id", officialWebsiteAmount = "official_website_amount", measureID = "measure_id" }
}

public struct OfficialWebsiteRatingResult: Codable, Sendable {
    public var officialWebsiteAmount: Decimal
    public var measureID: Int
    public var productRatingResults: [PeriodProductOfficialRatingResult]
    enum CodingKeys: String, CodingKey { case officialWebsiteAmount = "official_website_amount", measureID = "measure_id", productRatingResults = "product_rating_results" }
}

public struct PeriodProductRatingResult: Codable, Sendable {
    public var id: String
    public var productID: String
    public var amount: Decimal
    public var officialWebsiteAmount: Decimal
    public var discountAmount: Decimal
    public var measureID: Int
    enum CodingKeys: String, CodingKey {
        case id, productID = "product_id", amount, officialWebsiteAmount = "official_website_amount", discountAmount = "discount_amount", measureID = "measure_id"
    }
}

public struct OptionalDiscountRatingResult: Codable, Sendable {
    public var discountID: String
    public var amount: Decimal
    public var officialWebsiteAmount: Decimal
    public var discountAmount: Decimal
    public var measureID: Int
    public var discountType: Int
    public var discountName: String
    public var bestOffer: Int
    public var productRatingResults: [PeriodProductRatingResult]
    enum CodingKeys: String, CodingKey {
        case discountID = "discount_id", amount, officialWebsiteAmount = "official_website_amount", discountAmount = "discount_amount"
        case measureID = "measure_id", discountType = "discount_type", discountName = "discount_name", bestOffer = "best_offer"
        case productRatingResults = "product_rating_results"
    }
}

public struct PeriodRatingResponse: Codable, Sendable {
    public var officialWebsiteRatingResult: OfficialWebsiteRatingResult
    public var optionalDiscountRatingResults: [OptionalDiscountRatingResult]
    public var currency: String
    enum CodingKeys: String, CodingKey {
        case officialWebsiteRatingResult = "official_website_rating_result", optionalDiscountRatingResults = "optional_discount_rating_results", currency
    }
}
