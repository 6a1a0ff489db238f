import Foundation

// The price inquiries' bodies, checked at the edge: what the rating store prices.

/// One product of an inquiry (or of a subscription being charged): what is priced, and how many.
public struct RatedProduct: Sendable {
    /// The caller's id for the line (unique within one inquiry).
    public var id: String
    public var service: String
    public var resource: String
    public var spec: String
    public var region: String
    /// For linear products: the size and its unit (14, 15 or 17).
    public var size: Int?
    public var sizeMeasure: Int?
    public var subscriptions: Int

    public init(id: String, service: String, resource: String, spec: String, region: String, size: Int?, sizeMeasure: Int?, subscriptions: Int) {
        (self.id, self.service, self.resource, self.spec, self.region) = (id, service, resource, spec, region)
        (self.size, self.sizeMeasure, self.subscriptions) = (size, sizeMeasure, subscriptions)
    }

    /// The fields both inquiries share, checked in Huawei's order, each named under `f`.
    init(_ f: String, id: String?, service: String?, resource: String?, spec: String?, region: String?, zone: String?,
         size: Int?, sizeMeasure: Int?, subscriptions: Int?) throws {
        let i = try Check.required(id, "\(f).id", max: 64)
        let s = try Check.required(service, "\(f).cloud_service_type", max: 400)
        let r = try Check.required(resource, "\(f).resource_type", max: 400)
        let sp = try Check.required(spec, "\(f).resource_spec", max: 400)
        let rg = try Check.required(region, "\(f).region", max: 64)
        try Check.length(zone, "\(f).available_zone", max: 64)
        try Check.range(size, "\(f).resource_size", 1...Int(Int32.max))
        if let m = sizeMeasure, ![14, 15, 17].contains(m) { throw Refusal.parameter("\(f).size_measure_id", "must be 14, 15 or 17") }
        guard let n = subscriptions else { throw Refusal.parameter("\(f).subscription_num", "is required") }
        try Check.range(n, "\(f).subscription_num", 1...Int(Int32.max))
        self.init(id: i, service: s, resource: r, spec: sp, region: rg, size: size, sizeMeasure: sizeMeasure, subscriptions: n)
    }

    static func checkIDs(_ ids: [String?]) throws {
        var seen = Set<String>()
        for id in ids.compactMap({ $0 }) where !seen.insert(id).inserted { throw Refusal.parameter("product_infos.id", "\(id) is used twice") }
    }
}

/// RateOnDemand: up to 100 products with a usage each.
public struct UsageInquiry: CheckedRequest {
    public struct Item: Sendable {
        public var product: RatedProduct
        public var usageFactor: String
        /// More than zero, in `usageMeasureID`.
        public var usageValue: Decimal
        public var usageMeasureID: Int
    }
    public var items: [Item]
    /// Decimal places of the amounts: 6 (inquiry_precision 0) or 10 (1).
    public var scale: Int

    public init(_ r: RateOnDemandRequest) throws {
        _ = try Check.required(r.projectID, "project_id", max: 64)
        let precision = r.inquiryPrecision ?? 0
        guard precision == 0 || precision == 1 else { throw Refusal.parameter("inquiry_precision", "must be 0 or 1") }
        scale = precision == 0 ? 6 : 10
        guard let products = r.productInfos, !products.isEmpty else { throw Refusal.parameter("product_infos", "is required") }
        guard products.count <= 100 else { throw Refusal.parameter("product_infos", "has more than 100 items") }
        try RatedProduct.checkIDs(products.map(\.id))
        items = try products.enumerated().map { i, p in
            let f = "product_infos[\(i)]"
            let product = try RatedProduct(f, id: p.id, service: p.cloudServiceType, resource: p.resourceType, spec: p.resourceSpec, region: p.region,
                                           zone: p.availableZone, size: p.resourceSize, sizeMeasure: p.sizeMeasureID, subscriptions: p.subscriptionNum)
            let factor = try Check.required(p.usageFactor, "\(f).usage_factor", max: 64)
            guard let v = p.usageValue else { throw Refusal.parameter("\(f).usage_value", "is required") }
            guard v > 0 else { throw Refusal.parameter("\(f).usage_value", "must be greater than 0") }
            guard let unit = p.usageMeasureID else { throw Refusal.parameter("\(f).usage_measure_id", "is required") }
            return Item(product: product, usageFactor: factor, usageValue: v, usageMeasureID: unit)
        }
    }
}

/// RateOnPeriod: up to 100 products with a yearly/monthly period each.
public struct PeriodInquiry: CheckedRequest {
    public struct Item: Sendable {
        public var product: RatedProduct
        /// 0 day, 2 month, 3 year, 4 hour.
        public var periodType: Int
        public var periodNum: Int
    }
    public var items: [Item]

    public init(_ r: RateOnPeriodRequest) throws {
        _ = try Check.required(r.projectID, "project_id", max: 64)
        guard let products = r.productInfos, !products.isEmpty else { throw Refusal.parameter("product_infos", "is required") }
        guard products.count <= 100 else { throw Refusal.parameter("product_infos", "has more than 100 items") }
        try RatedProduct.checkIDs(products.map(\.id))
        items = try products.enumerated().map { i, p in
            let f = "product_infos[\(i)]"
            let product = try RatedProduct(f, id: p.id, service: p.cloudServiceType, resource: p.resourceType, spec: p.resourceSpec, region: p.region,
                                           zone: p.availableZone, size: p.resourceSize, sizeMeasure: p.sizeMeasureID, subscriptions: p.subscriptionNum)
            guard let t = p.periodType else { throw Refusal.parameter("\(f).period_type", "is required") }
            guard [0, 2, 3, 4].contains(t) else { throw Refusal.parameter("\(f).period_type", "must be 0 (day), 2 (month), 3 (year) or 4 (hour)") }
            guard let n = p.periodNum else { throw Refusal.parameter("\(f).period_num", "is required") }
            try Check.range(n, "\(f).period_num", 1...Int(Int32.max))
            let mode = Check.nonEmpty(p.feeInstallmentMode) ?? "NA"
            try Check.oneOf(mode, "\(f).fee_installment_mode", ["HALF_PAY", "ZERO_PAY", "NA"])
            if mode != "NA" { throw Refusal.parameter("\(f).fee_installment_mode", "instalments are only offered for CloudPond products") }
            return Item(product: product, periodType: t, periodNum: n)
        }
    }
}
