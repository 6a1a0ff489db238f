import Foundation

/// The catalog and price book as `admin catalog import` reads it and `export` writes it.
/// A product row names what is sold (service, resource type, spec, region, charging
/// mode, usage factor) and one price plan; a row for an existing product with a later
/// `effective_from` adds a plan, so a quote at a given time uses the plan then in force.
public struct CatalogDocument: Codable, Sendable {
    public struct ServiceType: Codable, Sendable {
        public var code: String
        public var nameZh: String
        public var nameEn: String
        public var abbreviation: String?
        /// ListIncentiveDiscountPolicies: "0" non-specific product (the default), "1" specific
        /// product, "2" no performance and no rebate, "13" performance but no rebate.
        public var incentivePolicy: String?
        /// "YES" (the default): partners' discounts apply to the service; "NO": they do not.
        public var allowDiscount: String?
        enum CodingKeys: String, CodingKey {
            case code, nameZh = "name_zh", nameEn = "name_en", abbreviation, incentivePolicy = "incentive_policy", allowDiscount = "allow_discount"
        }
        public init(code: String, nameZh: String, nameEn: String, abbreviation: String? = nil, incentivePolicy: String? = nil, allowDiscount: String? = nil) {
            self.code = code; self.nameZh = nameZh; self.nameEn = nameEn; self.abbreviation = abbreviation
            self.incentivePolicy = incentivePolicy; self.allowDiscount = allowDiscount
        }
        public static let incentivePolicies: Set<String> = ["0", "1", "2", "13"]
    }
    public struct ResourceType: Codable, Sendable {
        public var code: String
        public var serviceType: String
        public var nameZh: String
        public var nameEn: String
        enum CodingKeys: String, CodingKey { case code, serviceType = "service_type", nameZh = "name_zh", nameEn = "name_en" }
    }
    public struct UsageType: Codable, Sendable {
        public var code: String
        public var resourceType: String
        public var nameZh: String
        public var nameEn: String
        enum CodingKeys: String, CodingKey { case code, resourceType = "resource_type", nameZh = "name_zh", nameEn = "name_en" }
    }
    public struct MeasureUnit: Codable, Sendable {
        public var id: Int
        public var nameZh: String
        public var nameEn: String
        public var abbreviation: String
        public var measureType: Int
        enum CodingKeys: String, CodingKey { case id, nameZh = "name_zh", nameEn = "name_en", abbreviation, measureType = "measure_type" }
    }
    public struct Conversion: Codable, Sendable {
        public var measureID: Int
        public var refMeasureID: Int
        public var ratio: Int64
        public var measureType: Int
        enum CodingKeys: String, CodingKey { case measureID = "measure_id", refMeasureID = "ref_measure_id", ratio, measureType = "measure_type" }
    }
    /// One tier of a usage price: usage up to `up_to` (in the product's usage unit, counted
    /// from zero; null = no upper bound) costs `unit_price` per unit.
    public struct Tier: Codable, Sendable, Equatable {
        public var upTo: String?
        public var unitPrice: String
        enum CodingKeys: String, CodingKey { case upTo = "up_to", unitPrice = "unit_price" }
    }
    public struct Product: Codable, Sendable {
        public var productID: String?
        public var cloudServiceType: String
        public var resourceType: String
        public var resourceSpec: String
        public var region: String
        /// `on_demand` or `period`.
        public var chargeMode: String
        /// On-demand: the usage factor priced (`Duration`, `upflow`, ...) and its unit.
        public var usageFactor: String?
        public var usageMeasureID: Int?
        /// Linear products are priced per unit of size (17 GB, 15 Mbps, 14 piece).
        public var sizeMeasureID: Int?
        public var effectiveFrom: String?
        public var effectiveUntil: String?
        public var unitPrice: String?
        public var tiers: [Tier]?
        public var hourPrice: String?
        public var dayPrice: String?
        public var monthPrice: String?
        public var yearPrice: String?
        /// A period product that is a resource package: the usage type it covers and the
        /// amount (in `package_measure_id`) each month bought carries (a year carries twelve).
        public var packageUsageType: String?
        public var packageAmount: String?
        public var packageMeasureID: Int?

        enum CodingKeys: String, CodingKey {
            case productID = "product_id", cloudServiceType = "cloud_service_type", resourceType = "resource_type"
            case resourceSpec = "resource_spec", region, chargeMode = "charge_mode", usageFactor = "usage_factor"
            case usageMeasureID = "usage_measure_id", sizeMeasureID = "size_measure_id", effectiveFrom = "effective_from"
            case effectiveUntil = "effective_until", unitPrice = "unit_price", tiers, hourPrice = "hour_price", dayPrice = "day_price"
            case monthPrice = "month_price", yearPrice = "year_price"
            case packageUsageType = "package_usage_type", packageAmount = "package_amount", packageMeasureID = "package_measure_id"
        }

        public init(productID: String? = nil, cloudServiceType: String, resourceType: String, resourceSpec: String, region: String,
                    chargeMode: String, usageFactor: String? = nil, usageMeasureID: Int? = nil, sizeMeasureID: Int? = nil,
                    effectiveFrom: String? = nil, effectiveUntil: String? = nil, unitPrice: String? = nil, tiers: [Tier]? = nil,
                    hourPrice: String? = nil, dayPrice: String? = nil, monthPrice: String? = nil, yearPrice: String? = nil,
                    packageUsageType: String? = nil, packageAmount: String? = nil, packageMeasureID: Int? = nil) {
            self.packageUsageType = packageUsageType; self.packageAmount = packageAmount; self.packageMeasureID = packageMeasureID
            self.productID = productID; self.cloudServiceType = cloudServiceType; self.resourceType = resourceType
            self.resourceSpec = resourceSpec; self.region = region; self.chargeMode = chargeMode; self.usageFactor = usageFactor
            self.usageMeasureID = usageMeasureID; self.sizeMeasureID = sizeMeasureID; self.effectiveFrom = effectiveFrom
            self.effectiveUntil = effectiveUntil; self.unitPrice = unitPrice; self.tiers = tiers; self.hourPrice = hourPrice
            self.dayPrice = dayPrice; self.monthPrice = monthPrice; self.yearPrice = yearPrice
        }

        /// Stable ids in Huawei's shape (OFFI + 18 digits), derived from what is sold,
        /// so the default catalog has the same ids on every installation.
        public var derivedID: String {
            let key = [cloudServiceType, resourceType, resourceSpec, region, chargeMode, usageFactor ?? ""].joined(separator: "|")
            let digest = SDKSignature.hexSHA256(Array(key.utf8))
            let digits = digest.compactMap { $0.hexDigitValue }.map { String($0 % 10) }.joined()
            return "OFFI" + digits.prefix(18)
        }
    }

    public var serviceTypes: [ServiceType]?
    public var resourceTypes: [ResourceType]?
    public var usageTypes: [UsageType]?
    public var measureUnits: [MeasureUnit]?
    public var conversions: [Conversion]?
    public var products: [Product]?
    /// Source line of each product when read from CSV, so error reports can name it.
    var csvLines: [Int]? = nil

    enum CodingKeys: String, CodingKey {
        case serviceTypes = "service_types", resourceTypes = "resource_types", usageTypes = "usage_types"
        case measureUnits = "measure_units", conversions, products
    }

    public init(serviceTypes: [ServiceType]? = nil, resourceTypes: [ResourceType]? = nil, usageTypes: [UsageType]? = nil,
                measureUnits: [MeasureUnit]? = nil, conversions: [Conversion]? = nil, products: [Product]? = nil) {
        self.serviceTypes = serviceTypes; self.resourceTypes = resourceTypes; self.usageTypes = usageTypes
        self.measureUnits = measureUnits; self.conversions = conversions; self.products = products
    }
}

/// A bad row of an import: where, which field, why. Nothing of a file with any is applied.
public struct ImportProblem: Codable, Sendable, CustomStringConvertible {
    public var line: Int
    public var field: String
    public var message: String
    public var description: String { "line \(line): \(field): \(message)" }
}

public struct ImportFailed: Error, Sendable {
    public var problems: [ImportProblem]
}
