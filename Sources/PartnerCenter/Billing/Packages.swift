import Foundation
import SQLKit

/// Resource packages (资源包): amounts of a usage type a customer uses before paying money.
public struct PackageGrant: Codable, Sendable {
    public var productID: String
    public var freeResourceID: String
    public var orderInstanceID: String
    enum CodingKeys: String, CodingKey { case productID = "product_id", freeResourceID = "free_resource_id", orderInstanceID = "order_instance_id" }
}

/// ListFreeResourceInfosReq
public struct FreeResourceQuery: Codable, Sendable {
    public var regionCode: String?
    public var orderID: String?
    public var productID: String?
    public var productName: String?
    public var enterpriseProjectID: String?
    public var status: Int?
    public var offset: Int?
    public var limit: Int?
    public var serviceTypeCodeList: [String]?
    enum CodingKeys: String, CodingKey {
        case regionCode = "region_code", orderID = "order_id", productID = "product_id", productName = "product_name"
        case enterpriseProjectID = "enterprise_project_id", status, offset, limit, serviceTypeCodeList = "service_type_code_list"
    }
}

public struct FreeResourceItem: Codable, Sendable {
    public var freeResourceID: String
    public var usageTypeName: String
    public var amount: String
    public var originalAmount: String
    public var measureID: Int
    enum CodingKeys: String, CodingKey { case freeResourceID = "free_resource_id", usageTypeName = "usage_type_name", amount, originalAmount = "original_amount", measureID = "measure_id" }
}

public struct FreeResourcePackage: Codable, Sendable {
    public var orderInstanceID: String
    public var orderID: String
    public var productID: String
    public var productName: String
    public var enterpriseProjectID: String
    public var enterpriseProjectScope: Int
    public var effectiveTime: String
    public var expireTime: String
    public var status: Int
    public var serviceTypeCode: String
    public var serviceTypeName: String
    public var regionCode: String
    public var sourceType: Int
    public var bundleType: String
    public var quotaReuseMode: Int
    public var freeResources: [FreeResourceItem]
    enum CodingKeys: String, CodingKey {
        case orderInstanceID = "order_instance_id", orderID = "order_id", productID = "product_id", productName = "product_name"
        case enterpriseProjectID = "enterprise_project_id", enterpriseProjectScope = "enterprise_project_scope", effectiveTime = "effective_time"
        case expireTime = "expire_time", status, serviceTypeCode = "service_type_code", serviceTypeName = "service_type_name", regionCode = "region_code"
        case sourceType = "source_type", bundleType = "bundle_type", quotaReuseMode = "quota_reuse_mode", freeResources = "free_resources"
    }
}

public struct FreeResourcePackageList: Codable, Sendable {
    public var freeResourcePackages: [FreeResourcePackage]
    public var totalCount: Int
    enum CodingKeys: String, CodingKey { case freeResourcePackages = "free_resource_packages", totalCount = "total_count" }
}

public struct FreeResourceRecord: Codable, Sendable {
    public var deductTime: String
    public var freeResourceID: String
    public var resourceID: String
    public var resourceTypeCode: String
    public var resourceTypeName: String
    public var resourceTag: String
    public var productID: String
    public var productName: String
    public var usageTypeCode: String
    public var availableAmount: String
    public var remainingAmount: String
    public var usedAmount: String
    public var measureID: Int
    public var effectiveTime: String
    public var expireTime: String
    enum CodingKeys: String, CodingKey {
        case deductTime = "deduct_time", freeResourceID = "free_resource_id", resourceID = "resource_id", resourceTypeCode = "resource_type_code"
        case resourceTypeName = "resource_type_name", resourceTag = "resource_tag", productID = "product_id", productName = "product_name"
        case usageTypeCode = "usage_type_code", availableAmount = "available_amount", remainingAmount = "remaining_amount", usedAmount = "used_amount"
        case measureID = "measure_id", effectiveTime = "effective_time", expireTime = "expire_time"
    }
}

public struct FreeResourceRecordList: Codable, Sendable {
    public var freeResourceRecords: [FreeResourceRecord]
    public var totalCount: Int
    enum CodingKeys: String, CodingKey { case freeResourceRecords = "free_resource_records", totalCount = "total_count" }
}

public struct FreeResourceUsagesRequest: Codable, Sendable {
    public var freeResourceIDs: [String]?
    enum CodingKeys: String, CodingKey { case freeResourceIDs = "free_resource_ids" }
}

public struct FreeResourceDetail: Codable, Sendable {
    public var freeResourceID: String
    public var freeResourceTypeName: String
    public var quotaReuseCycle: Int
    public var quotaReuseCycleType: Int
    public var usageTypeName: String
    public var startTime: String
    public var endTime: String
    public var amount: Decimal
    public var originalAmount: Decimal
    public var measureID: Int
    enum CodingKeys: String, CodingKey {
        case freeResourceID = "free_resource_id", freeResourceTypeName = "free_resource_type_name", quotaReuseCycle = "quota_reuse_cycle"
        case quotaReuseCycleType = "quota_reuse_cycle_type", usageTypeName = "usage_type_name", startTime = "start_time", endTime = "end_time"
        case amount, originalAmount = "original_amount", measureID = "measure_id"
    }
}

public struct FreeResourceDetailList: Codable, Sendable {
    public var freeResources: [FreeResourceDetail]
    enum CodingKeys: String, CodingKey { case freeResources = "free_resources" }
}

extension BillingStore {
    /// The operator grants a customer a one-item package.
    public func grantPackage(customerID: String, resourceType: String, usageType: String, amount: Decimal, measureID: Int, region: String?,
                             effective: Int64?, expires: Int64, name: String?) async throws -> PackageGrant {
        guard amount > 0, Money.scale(amount) <= 8 else { throw Refusal.parameter("amount", "must be a positive decimal with at most 8 places") }
        try Check.length(name, "name", max: 256)
        try Check.length(region, "region", max: 64)
        let start = try await database.businessNow(or: effective)
        guard expires > start else { throw Refusal.parameter("expires", "must be after the effective time") }
        let id = Identifiers.domainID(), item = "FR" + Identifiers.domainID().prefix(20)
        return try await database.transaction { db in
            guard try await db.raw("SELECT id FROM customers WHERE id = \(bind: customerID)").first() != nil else {
                throw Refusal(.unknownObject, "Invalid parameter: customer \(customerID) does not exist.")
            }
            guard let rt = try await db.raw("SELECT service_type FROM catalog_resource_types WHERE code = \(bind: resourceType)").first() else {
                throw Refusal.parameter("resource_type", "is not a known resource type")
            }
            guard try await PriceBook.usageFactorExists(db, resource: resourceType, factor: usageType) else {
                throw Refusal.parameter("usage_type", "\(usageType) is not a usage type of \(resourceType)")
            }
            guard try await db.raw("SELECT id FROM catalog_measure_units WHERE id = \(bind: measureID)").first() != nil else {
                throw Refusal.parameter("measure_id", "is not a known measure unit")
            }
            let service = try rt.decode(column: "service_type", as: String.self)
            let productID = "PKG" + String(SDKSignature.hexSHA256(Array("\(resourceType)|\(usageType)|\(Money.format(amount))|\(measureID)|\(region ?? "")".utf8)).compactMap { $0.hexDigitValue }.map { String($0 % 10) }.joined().prefix(14))
            let now = try await BusinessClock.now(db)
            try await db.raw("""
                INSERT INTO resource_packages (id, product_id, product_name, customer_id, service_type, region, status, effective_at, expires_at, created_at)
                VALUES (\(bind: id), \(bind: productID), \(bind: name ?? "\(usageType) package \(Money.format(amount))"), \(bind: customerID), \(bind: service),
                        \(bind: region), 1, \(bind: start), \(bind: expires), \(bind: now))
                """).run()
            try await db.raw("""
                INSERT INTO package_items (free_resource_id, package_id, resource_type, usage_type, measure_id, total, remaining)
                VALUES (\(bind: item), \(bind: id), \(bind: resourceType), \(bind: usageType), \(bind: measureID), \(bind: Money.format(amount)), \(bind: Money.format(amount)))
                """).run()
            return PackageGrant(productID: productID, freeResourceID: item, orderInstanceID: id)
        }
    }

    /// Uses package items for a usage record before any money: returns the usage value
    /// (in the record's unit) the packages covered.
    static func usePackages(_ db: any SQLDatabase, backend: Database.Backend, _ r: UsageRecord, converter: UnitConverter, feeID: String, now: Int64) async throws -> Decimal {
        let begin = WireTime.parseUTC(r.beginTime)!, end = WireTime.parseUTC(r.endTime)!
        let lock: SQLQueryString = backend == .postgres ? " FOR UPDATE OF i" : ""
        let items = try await db.raw("""
            SELECT i.free_resource_id, i.measure_id, i.remaining FROM package_items i JOIN resource_packages p ON p.id = i.package_id
            WHERE p.customer_id = \(bind: r.customerID) AND p.status = 1 AND i.resource_type = \(bind: r.resourceType)
              AND LOWER(i.usage_type) = \(bind: r.usageType.lowercased()) AND (p.region IS NULL OR p.region = \(bind: r.region))
              AND p.effective_at <= \(bind: begin) AND p.expires_at > \(bind: begin)
            ORDER BY p.expires_at, i.free_resource_id\(lock)
            """).all()
        var left = r.usageValue
        for item in items where left > 0 {
            guard let remaining = Money.parse(try item.decode(column: "remaining", as: String.self)), remaining > 0,
                  let toItem = converter.factor(from: r.usageMeasureID, to: try item.decode(column: "measure_id", as: Int.self)) else { continue }
            let needed = left * toItem.num / toItem.den  // in the item's unit
            let used = min(needed, remaining)
            let after = remaining - used
            let id = try item.decode(column: "free_resource_id", as: String.self)
            try await db.raw("UPDATE package_items SET remaining = \(bind: Money.format(after)) WHERE free_resource_id = \(bind: id)").run()
            try await db.raw("""
                INSERT INTO package_deductions (id, free_resource_id, fee_record_id, customer_id, resource_id, available, used, remaining, deduct_time, usage_begin, usage_end)
                VALUES (\(bind: "PD" + Identifiers.domainID().prefix(22)), \(bind: id), \(bind: feeID), \(bind: r.customerID), \(bind: r.resourceID),
                        \(bind: Money.format(remaining)), \(bind: Money.format(used)), \(bind: Money.format(after)), \(bind: now), \(bind: begin), \(bind: end))
                """).run()
            left = used == needed ? 0 : left - used * toItem.den / toItem.num
        }
        return r.usageValue - max(0, left)
    }

    // MARK: customer queries

    /// ListFreeResourceInfos: the caller's packages of the last 18 months, status on the business clock.
    public func packages(caller: Principal, _ q: PackageFilter) async throws -> FreeResourcePackageList {
        let page = q.page
        let now = try await database.businessNow()
        return try await database.read { db in
            // Status on the business clock: 0 not yet effective, 1 effective, 2 used up, 3 expired.
            let status: SQLQueryString = """
                (CASE WHEN p.status = 4 THEN 4 WHEN p.expires_at <= \(bind: now) THEN 3 WHEN p.effective_at > \(bind: now) THEN 0
                      WHEN NOT EXISTS (SELECT 1 FROM package_items x WHERE x.package_id = p.id AND x.remaining NOT IN ('0', '0.0')) THEN 2 ELSE 1 END)
                """
            var filter: SQLQueryString = "p.customer_id = \(bind: caller.domainID) AND p.expires_at > \(bind: now - 548 * 86_400_000)"
            if let v = q.regionCode { filter += " AND p.region = \(bind: v)" }
            // A bought package carries its subscription's order; granted packages have none.
            if let v = q.orderID { filter += " AND o.order_id = \(bind: v)" }
            if let v = q.productID { filter += " AND p.product_id = \(bind: v)" }
            if let v = q.productName { filter += " AND p.product_name LIKE \(bind: likeInfix(v)) ESCAPE '\\'" }
            if let s = q.status { filter += " AND \(status) = \(bind: s)" }
            if !q.serviceTypes.isEmpty { filter += " AND LOWER(p.service_type) IN (\(binds: q.serviceTypes.map { $0.lowercased() }))" }
            let order: SQLQueryString = "LEFT JOIN customer_resources o ON o.resource_id = p.resource_id"
            let total = try await db.raw("SELECT COUNT(*) AS n FROM resource_packages p \(order) WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT p.*, o.order_id AS subscription_order, \(status) AS derived, st.name_zh AS sname
                FROM resource_packages p \(order) LEFT JOIN catalog_service_types st ON st.code = p.service_type
                WHERE \(filter) ORDER BY p.created_at DESC, p.id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            var out: [FreeResourcePackage] = []
            for r in rows {
                let id = try r.decode(column: "id", as: String.self)
                let items = try await db.raw("""
                    SELECT i.*, u.name_zh FROM package_items i LEFT JOIN catalog_usage_types u ON u.code = i.usage_type AND u.resource_type = i.resource_type
                    WHERE i.package_id = \(bind: id) ORDER BY i.free_resource_id
                    """).all().map {
                    FreeResourceItem(freeResourceID: try $0.decode(column: "free_resource_id", as: String.self),
                                     usageTypeName: try $0.decode(column: "name_zh", as: String?.self) ?? (try $0.decode(column: "usage_type", as: String.self)),
                                     amount: try $0.decode(column: "remaining", as: String.self), originalAmount: try $0.decode(column: "total", as: String.self),
                                     measureID: try $0.decode(column: "measure_id", as: Int.self))
                }
                out.append(FreeResourcePackage(
                    orderInstanceID: id, orderID: try r.decode(column: "subscription_order", as: String?.self) ?? "", productID: try r.decode(column: "product_id", as: String.self),
                    productName: try r.decode(column: "product_name", as: String.self), enterpriseProjectID: "0", enterpriseProjectScope: 0,
                    effectiveTime: WireTime.utc(try r.decode(column: "effective_at", as: Int64.self)), expireTime: WireTime.utc(try r.decode(column: "expires_at", as: Int64.self)),
                    status: try r.decode(column: "derived", as: Int.self), serviceTypeCode: try r.decode(column: "service_type", as: String.self),
                    serviceTypeName: try r.decode(column: "sname", as: String?.self) ?? "", regionCode: try r.decode(column: "region", as: String?.self) ?? "",
                    sourceType: 1, bundleType: "ATOMIC_PKG", quotaReuseMode: 2, freeResources: items))
            }
            return FreeResourcePackageList(freeResourcePackages: out, totalCount: total)
        }
    }

    public func packageUsage(caller: Principal, _ q: PackageUsageQuery) async throws -> FreeResourceRecordList {
        let begin = q.begin, end = q.end, page = q.page
        return try await database.read { db in
            // Beijing days: [begin 00:00, end 24:00) at UTC+8.
            var filter: SQLQueryString = "d.customer_id = \(bind: caller.domainID) AND d.deduct_time >= \(bind: begin - WireTime.beijingOffset) AND d.deduct_time < \(bind: end + 86_400_000 - WireTime.beijingOffset)"
            if let v = q.freeResourceID { filter += " AND d.free_resource_id = \(bind: v)" }
            if let v = q.productID { filter += " AND p.product_id = \(bind: v)" }
            if let v = q.resourceTypeCode { filter += " AND i.resource_type = \(bind: v)" }
            let from: SQLQueryString = "package_deductions d JOIN package_items i ON i.free_resource_id = d.free_resource_id JOIN resource_packages p ON p.id = i.package_id"
            let total = try await db.raw("SELECT COUNT(*) AS n FROM \(from) WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT d.*, i.resource_type, i.usage_type, i.measure_id, p.product_id, p.product_name, rt.name_zh AS rname
                FROM \(from) LEFT JOIN catalog_resource_types rt ON rt.code = i.resource_type
                WHERE \(filter) ORDER BY d.deduct_time DESC, d.id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return FreeResourceRecordList(freeResourceRecords: try rows.map { r in
                FreeResourceRecord(deductTime: WireTime.utc(try r.decode(column: "deduct_time", as: Int64.self)),
                                   freeResourceID: try r.decode(column: "free_resource_id", as: String.self), resourceID: try r.decode(column: "resource_id", as: String.self),
                                   resourceTypeCode: try r.decode(column: "resource_type", as: String.self), resourceTypeName: try r.decode(column: "rname", as: String?.self) ?? "",
                                   resourceTag: "", productID: try r.decode(column: "product_id", as: String.self), productName: try r.decode(column: "product_name", as: String.self),
                                   usageTypeCode: try r.decode(column: "usage_type", as: String.self), availableAmount: try r.decode(column: "available", as: String.self),
                                   remainingAmount: try r.decode(column: "remaining", as: String.self), usedAmount: try r.decode(column: "used", as: String.self),
                                   measureID: try r.decode(column: "measure_id", as: Int.self),
                                   effectiveTime: WireTime.utc(try r.decode(column: "usage_begin", as: Int64.self)),
                                   expireTime: WireTime.utc(try r.decode(column: "usage_end", as: Int64.self)))
            }, totalCount: total)
        }
    }

    /// ListFreeResourceUsages: remaining and original amounts of the caller's package items.
    public func packageItems(caller: Principal, _ r: PackageItemsQuestion) async throws -> FreeResourceDetailList {
        let ids = r.ids
        return try await database.read { db in
            let rows = try await db.raw("""
                SELECT i.*, p.product_name, p.effective_at, p.expires_at, u.name_zh FROM package_items i JOIN resource_packages p ON p.id = i.package_id
                LEFT JOIN catalog_usage_types u ON u.code = i.usage_type AND u.resource_type = i.resource_type
                WHERE p.customer_id = \(bind: caller.domainID) AND i.free_resource_id IN (\(binds: ids)) ORDER BY i.free_resource_id
                """).all()
            return FreeResourceDetailList(freeResources: try rows.map {
                FreeResourceDetail(freeResourceID: try $0.decode(column: "free_resource_id", as: String.self),
                                   freeResourceTypeName: try $0.decode(column: "product_name", as: String.self), quotaReuseCycle: 0, quotaReuseCycleType: 0,
                                   usageTypeName: try $0.decode(column: "name_zh", as: String?.self) ?? (try $0.decode(column: "usage_type", as: String.self)),
                                   startTime: WireTime.utc(try $0.decode(column: "effective_at", as: Int64.self)),
                                   endTime: WireTime.utc(try $0.decode(column: "expires_at", as: Int64.self)),
                                   amount: Money.parse(try $0.decode(column: "remaining", as: String.self)) ?? 0,
                                   originalAmount: Money.parse(try $0.decode(column: "total", as: String.self)) ?? 0,
                                   measureID: try $0.decode(column: "measure_id", as: Int.self))
            })
        }
    }
}


/// Resource packages sold as yearly/monthly products: bought with the subscription
/// (the purchase fee is the subscription's), grown by renewals, ended by unsubscribing.
/// A package product's amount is per month; a year carries twelve.
extension BillingStore {
    static func openPackage(_ db: any SQLDatabase, productID: String, resourceID: String, customer: String, periods: Int, periodType: Int,
                            start: Int64, expires: Int64, now: Int64) async throws {
        guard let p = try await db.raw("""
            SELECT service_type, resource_type, resource_spec, region, package_usage_type, package_amount, package_measure_id
            FROM products WHERE id = \(bind: productID) AND package_usage_type IS NOT NULL
            """).first(),
              let amount = Money.parse(try p.decode(column: "package_amount", as: String.self)) else { return }
        let usage = try p.decode(column: "package_usage_type", as: String.self)
        let total = amount * Decimal(periods * (periodType == 3 ? 12 : 1))
        let id = Identifiers.domainID(), item = "FR" + Identifiers.domainID().prefix(20)
        try await db.raw("""
            INSERT INTO resource_packages (id, product_id, product_name, customer_id, service_type, region, status, effective_at, expires_at, created_at, resource_id)
            VALUES (\(bind: id), \(bind: productID), \(bind: try p.decode(column: "resource_spec", as: String.self)), \(bind: customer),
                    \(bind: try p.decode(column: "service_type", as: String.self)), \(bind: try p.decode(column: "region", as: String.self)), 1,
                    \(bind: start), \(bind: expires), \(bind: now), \(bind: resourceID))
            """).run()
        try await db.raw("""
            INSERT INTO package_items (free_resource_id, package_id, resource_type, usage_type, measure_id, total, remaining)
            VALUES (\(bind: item), \(bind: id), \(bind: try p.decode(column: "resource_type", as: String.self)), \(bind: usage),
                    \(bind: try p.decode(column: "package_measure_id", as: Int.self)), \(bind: Money.format(total)), \(bind: Money.format(total)))
            """).run()
    }

    /// Which of these resources hold a bought package in effect (those a renewal tops up).
    static func resourcesWithPackages(_ db: any SQLDatabase, _ resourceIDs: [String]) async throws -> Set<String> {
        var out = Set<String>()
        for chunk in resourceIDs.chunked() {
            for r in try await db.raw("""
                SELECT k.resource_id FROM resource_packages k JOIN products p ON p.id = k.product_id
                WHERE k.resource_id IN (\(binds: chunk)) AND k.status = 1 AND p.package_amount IS NOT NULL
                """).all() { out.insert(try r.decode(column: "resource_id", as: String.self)) }
        }
        return out
    }

    /// A renewal extends the package and adds what the renewed periods carry.
    static func renewPackage(_ db: any SQLDatabase, backend: Database.Backend, resourceID: String, periods: Int, periodType: Int, expires: Int64) async throws {
        guard let pkg = try await db.raw("""
            SELECT k.id, p.package_amount FROM resource_packages k JOIN products p ON p.id = k.product_id
            WHERE k.resource_id = \(bind: resourceID) AND k.status = 1 AND p.package_amount IS NOT NULL
            """).first(),
              let amount = Money.parse(try pkg.decode(column: "package_amount", as: String.self)) else { return }
        let id = try pkg.decode(column: "id", as: String.self)
        let add = amount * Decimal(periods * (periodType == 3 ? 12 : 1))
        try await db.raw("UPDATE resource_packages SET expires_at = \(bind: expires) WHERE id = \(bind: id)").run()
        // Locked like a usage deduction locks them, so a top-up never overwrites a deduction.
        for item in try await db.raw("SELECT free_resource_id, total, remaining FROM package_items WHERE package_id = \(bind: id)\(backend.forUpdate)").all() {
            guard let total = Money.parse(try item.decode(column: "total", as: String.self)),
                  let remaining = Money.parse(try item.decode(column: "remaining", as: String.self)) else { continue }
            try await db.raw("""
                UPDATE package_items SET total = \(bind: Money.format(total + add)), remaining = \(bind: Money.format(remaining + add))
                WHERE free_resource_id = \(bind: try item.decode(column: "free_resource_id", as: String.self))
                """).run()
        }
    }
}

extension BillingStore {
    /// A bought package ends with its subscription (status 4, unsubscribed).
    static func endPackages(_ db: any SQLDatabase, ofResource resourceID: String) async throws {
        try await db.raw("UPDATE resource_packages SET status = 4 WHERE resource_id = \(bind: resourceID)").run()
    }
}
