import Foundation

// The v1.0 price inquiries' bodies, checked at the edge.

/// QueryRatingOld: a v1.0 inquiry, checked, with the v2 inquiry it is answered by.
public struct LegacyRatingQuery: Sendable {
    public enum Inquiry: Sendable {
        /// chargingMode 2 (pay by package): nothing here is priced that way (CBC.6006).
        case unpriced
        /// chargingMode 1. The v2 checks are Huawei's second round: they wait until the
        /// caller may see the path's prices (`Deferred`).
        case usage(Deferred<UsageInquiry>)
        /// chargingMode 0.
        case period(Deferred<PeriodInquiry>)
    }
    /// The account in the path: the caller itself, or one of a partner's customers.
    public var pathID: String
    /// inquiryTime, or nil for the business clock's now.
    public var at: Int64?
    public var inquiry: Inquiry

    public init(pathID: String, _ r: LegacyRatingRequest) throws {
        self.pathID = pathID
        _ = try Check.required(r.tenantId, "tenantId", max: 128)
        let region = try Check.required(r.regionId, "regionId", max: 128)
        try Check.length(r.avaliableZoneId, "avaliableZoneId", max: 128)
        guard let mode = r.chargingMode else { throw Refusal.parameter("chargingMode", "is required") }
        guard [0, 1, 2].contains(mode) else { throw Refusal.parameter("chargingMode", "must be 0, 1 or 2") }
        guard let subs = r.subscriptionNum else { throw Refusal.parameter("subscriptionNum", "is required") }
        try Check.range(subs, "subscriptionNum", 1...Int(Int32.max))
        at = try Check.utcTime(Check.nonEmpty(r.inquiryTime), "inquiryTime")
        guard let items = r.productInfos, !items.isEmpty else { throw Refusal.parameter("productInfos", "is required") }
        guard items.count <= 100 else { throw Refusal.parameter("productInfos", "has more than 100 items") }
        try RatedProduct.checkIDs(items.map(\.id))
        if mode == 2 { inquiry = .unpriced; return }
        if mode == 0 {
            guard let t = r.periodType else { throw Refusal.parameter("periodType", "is required for chargingMode 0") }
            guard [0, 2, 3, 4].contains(t) else { throw Refusal.parameter("periodType", "must be 0, 2, 3 or 4") }
            guard let n = r.periodNum else { throw Refusal.parameter("periodNum", "is required for chargingMode 0") }
            try Check.range(n, "periodNum", 1...214_783_647)
        }
        for (i, p) in items.enumerated() {
            let f = "productInfos[\(i)]"
            _ = try Check.required(p.id, "\(f).id", max: 64)
            for (v, k) in [(p.cloudServiceType, "cloudServiceType"), (p.resourceType, "resourceType"), (p.resourceSpecCode, "resourceSpecCode")] {
                _ = try Check.required(v, "\(f).\(k)", max: 400)
            }
            try Check.range(p.resourceSize, "\(f).resourceSize", 1...214_783_647)
            if mode == 1 {
                _ = try Check.required(p.usageFactor, "\(f).usageFactor", max: 64)
                guard let v = p.usageValue, v > 0 else { throw Refusal.parameter("\(f).usageValue", "is required and must be greater than 0") }
                guard p.usageMeasureId != nil else { throw Refusal.parameter("\(f).usageMeasureId", "is required") }
            }
        }
        try Check.length(pathID, "domain_id", max: 64)
        if mode == 1 {
            inquiry = .usage(try Deferred { try UsageInquiry(RateOnDemandRequest(projectID: r.tenantId, inquiryPrecision: 0, productInfos: items.map {
                DemandProductInfo(id: $0.id, cloudServiceType: $0.cloudServiceType, resourceType: $0.resourceType, resourceSpec: $0.resourceSpecCode,
                                  region: region, resourceSize: $0.resourceSize, sizeMeasureID: $0.resouceSizeMeasureId, usageFactor: $0.usageFactor,
                                  usageValue: $0.usageValue, usageMeasureID: $0.usageMeasureId, subscriptionNum: subs)
            })) })
        } else {
            inquiry = .period(try Deferred { try PeriodInquiry(RateOnPeriodRequest(projectID: r.tenantId, productInfos: items.map {
                PeriodProductInfo(id: $0.id, cloudServiceType: $0.cloudServiceType, resourceType: $0.resourceType, resourceSpec: $0.resourceSpecCode,
                                  region: region, resourceSize: $0.resourceSize, sizeMeasureID: $0.resouceSizeMeasureId, periodType: r.periodType,
                                  periodNum: r.periodNum, subscriptionNum: subs)
            })) })
        }
    }
}

/// QueryChangeRatingOld: a specification change of one yearly/monthly resource, checked.
public struct LegacyChangeQuery: Sendable {
    public var pathID: String
    public var resourceID: String
    public var service: String
    public var resource: String
    public var spec: String
    public var size: Int?
    public var sizeMeasure: Int?
    public var at: Int64?

    public init(pathID: String, _ r: LegacyChangeRequest) throws {
        self.pathID = pathID
        if r.tenantId == "" { throw Refusal.parameter("tenantId", "must not be an empty string") }
        try Check.length(r.tenantId, "tenantId", max: 128)
        resourceID = try Check.required(r.resourceId, "resourceId", max: 128)
        guard let p = r.productInfo else { throw Refusal.parameter("productInfo", "is required") }
        service = try Check.required(p.cloudServiceType, "productInfo.cloudServiceType", max: 400)
        resource = try Check.required(p.resourceType, "productInfo.resourceType", max: 400)
        spec = try Check.required(p.resourceSpecCode, "productInfo.resourceSpecCode", max: 400)
        try Check.range(p.resourceSize, "productInfo.resourceSize", 1...214_783_647)
        try Check.range(p.resouceSizeMeasureId, "productInfo.resouceSizeMeasureId", 1...214_783_647)
        try Check.length(p.extendParams, "productInfo.extendParams", max: 10240)
        size = p.resourceSize
        sizeMeasure = p.resouceSizeMeasureId
        at = try Check.utcTime(Check.nonEmpty(r.inquiryTime), "inquiryTime")
        try Check.length(pathID, "domain_id", max: 64)
    }
}
