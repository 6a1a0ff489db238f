import Foundation
import SQLKit

/// Reading a catalog file (JSON document, or CSV of products) and applying it in one
/// transaction: every bad row is reported with its line and field, and a file with any
/// bad row changes nothing.
public enum CatalogImport {
    static let productColumns = ["product_id", "cloud_service_type", "resource_type", "resource_spec", "region", "charge_mode", "usage_factor",
                                 "usage_measure_id", "size_measure_id", "effective_from", "effective_until", "unit_price", "tiers",
                                 "hour_price", "day_price", "month_price", "year_price"]
    static let packageColumns = ["package_usage_type", "package_amount", "package_measure_id"]

    /// Parses a file by its content: JSON when it starts with `{`, else CSV with a header row.
    public static func parse(_ data: Data) throws -> CatalogDocument {
        let text = String(decoding: data, as: UTF8.self)
        if text.drop(while: { $0.isWhitespace }).first == "{" {
            if case .nul(let field) = StrictJSON.check(Array(data)) {
                throw ImportFailed(problems: [ImportProblem(line: 0, field: field, message: Refusal.nulReason)])
            }
            do {
                return try JSONDecoder().decode(CatalogDocument.self, from: data)
            } catch let e as DecodingError {
                let api = WireJSON.map(e)
                throw ImportFailed(problems: [ImportProblem(line: 0, field: "document", message: api.message)])
            }
        }
        return try parseCSV(text)
    }

    static func parseCSV(_ text: String) throws -> CatalogDocument {
        let rows = CSV.rows(text)
        guard let header = rows.first else { throw ImportFailed(problems: [ImportProblem(line: 1, field: "header", message: "the file is empty")]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var problems: [ImportProblem] = []
        for n in names where !productColumns.contains(n) && !packageColumns.contains(n) {
            problems.append(ImportProblem(line: header.line, field: n, message: "unknown column; expected \((productColumns + packageColumns).joined(separator: ","))"))
        }
        for required in ["cloud_service_type", "resource_type", "resource_spec", "region", "charge_mode"] where !names.contains(required) {
            problems.append(ImportProblem(line: header.line, field: required, message: "column is missing"))
        }
        if !problems.isEmpty { throw ImportFailed(problems: problems) }
        var products: [CatalogDocument.Product] = []
        var lines: [Int] = []
        for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
            var f: [String: String] = [:]
            if row.fields.count != names.count {
                problems.append(ImportProblem(line: row.line, field: "row", message: "has \(row.fields.count) fields, the header has \(names.count)"))
                continue
            }
            if let i = row.nulField {
                problems.append(ImportProblem(line: row.line, field: names[i], message: Refusal.nulReason))
                continue
            }
            for (n, v) in zip(names, row.fields) where !v.isEmpty { f[n] = v }
            func int(_ k: String) -> Int? {
                guard let v = f[k] else { return nil }
                guard let i = Int(v) else { problems.append(ImportProblem(line: row.line, field: k, message: "must be an integer")); return nil }
                return i
            }
            var tiers: [CatalogDocument.Tier]?
            if let t = f["tiers"] {
                tiers = []
                for part in t.split(separator: "|") {
                    let kv = part.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    guard kv.count == 2 else { problems.append(ImportProblem(line: row.line, field: "tiers", message: "must look like 10240:0.5|51200:0.45|:0.4")); break }
                    tiers!.append(.init(upTo: kv[0].isEmpty ? nil : kv[0], unitPrice: kv[1]))
                }
            }
            products.append(.init(productID: f["product_id"], cloudServiceType: f["cloud_service_type"] ?? "", resourceType: f["resource_type"] ?? "",
                                  resourceSpec: f["resource_spec"] ?? "", region: f["region"] ?? "", chargeMode: f["charge_mode"] ?? "",
                                  usageFactor: f["usage_factor"], usageMeasureID: int("usage_measure_id"), sizeMeasureID: int("size_measure_id"),
                                  effectiveFrom: f["effective_from"], effectiveUntil: f["effective_until"], unitPrice: f["unit_price"], tiers: tiers,
                                  hourPrice: f["hour_price"], dayPrice: f["day_price"], monthPrice: f["month_price"], yearPrice: f["year_price"],
                                  packageUsageType: f["package_usage_type"], packageAmount: f["package_amount"], packageMeasureID: int("package_measure_id")))
            lines.append(row.line)
        }
        if !problems.isEmpty { throw ImportFailed(problems: problems) }
        var doc = CatalogDocument(products: products)
        doc.csvLines = lines
        return doc
    }

    public struct Summary: Codable, Sendable {
        public var serviceTypes: Int
        public var resourceTypes: Int
        public var usageTypes: Int
        public var products: Int
        public var pricePlans: Int
        enum CodingKeys: String, CodingKey {
            case serviceTypes = "service_types", resourceTypes = "resource_types", usageTypes = "usage_types", products, pricePlans = "price_plans"
        }
    }

    /// Validates everything first, then applies it in one transaction.
    public static func apply(_ doc: CatalogDocument, to database: Database, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> Summary {
        let known = try await database.read { db in
            (services: Set(try await db.raw("SELECT code FROM catalog_service_types").all().map { try $0.decode(column: "code", as: String.self) }),
             resources: Dictionary(uniqueKeysWithValues: try await db.raw("SELECT code, service_type FROM catalog_resource_types").all().map {
                 (try $0.decode(column: "code", as: String.self), try $0.decode(column: "service_type", as: String.self)) }),
             usages: Set(try await db.raw("SELECT code, resource_type FROM catalog_usage_types").all().map {
                 "\(try $0.decode(column: "resource_type", as: String.self))|\(try $0.decode(column: "code", as: String.self))" }),
             units: Set(try await db.raw("SELECT id FROM catalog_measure_units").all().map { try $0.decode(column: "id", as: Int.self) }))
        }
        var services = known.services
        var resources = known.resources
        var usages = known.usages
        var units = known.units
        var problems: [ImportProblem] = []
        func bad(_ line: Int, _ field: String, _ message: String) { problems.append(ImportProblem(line: line, field: field, message: message)) }

        for (i, s) in (doc.serviceTypes ?? []).enumerated() {
            if s.code.isEmpty || s.code.count > 64 { bad(i + 1, "service_types.code", "must be 1-64 characters") }
            if let p = s.incentivePolicy, !CatalogDocument.ServiceType.incentivePolicies.contains(p) {
                bad(i + 1, "service_types.incentive_policy", "must be \"0\", \"1\", \"2\" or \"13\"")
            }
            if let a = s.allowDiscount, a != "YES" && a != "NO" { bad(i + 1, "service_types.allow_discount", "must be YES or NO") }
            services.insert(s.code)
        }
        for (i, r) in (doc.resourceTypes ?? []).enumerated() {
            if r.code.isEmpty || r.code.count > 64 { bad(i + 1, "resource_types.code", "must be 1-64 characters") }
            if !services.contains(r.serviceType) { bad(i + 1, "resource_types.service_type", "unknown service type \(r.serviceType)") }
            resources[r.code] = r.serviceType
        }
        for (i, u) in (doc.measureUnits ?? []).enumerated() {
            if u.id <= 0 { bad(i + 1, "measure_units.id", "must be positive") }
            units.insert(u.id)
        }
        for (i, c) in (doc.conversions ?? []).enumerated() where c.ratio <= 0 || !units.contains(c.measureID) || !units.contains(c.refMeasureID) {
            bad(i + 1, "conversions", "needs known units and a positive ratio")
        }
        for (i, u) in (doc.usageTypes ?? []).enumerated() {
            if u.code.isEmpty || u.code.count > 64 { bad(i + 1, "usage_types.code", "must be 1-64 characters") }
            if resources[u.resourceType] == nil { bad(i + 1, "usage_types.resource_type", "unknown resource type \(u.resourceType)") }
            usages.insert("\(u.resourceType)|\(u.code)")
        }
        let products = doc.products ?? []
        var plans: [(id: String, p: CatalogDocument.Product, from: Int64, until: Int64?)] = []
        var seenPlans = Set<String>()
        for (i, p) in products.enumerated() {
            let line = doc.csvLines?[i] ?? i + 1
            let before = problems.count
            func price(_ v: String?, _ field: String) {
                guard let v else { return }
                guard let d = Money.parse(v), d >= 0, Money.scale(d) <= 10 else { bad(line, field, "must be a non-negative decimal with at most 10 places") ; return }
            }
            if p.cloudServiceType.isEmpty || !services.contains(p.cloudServiceType) { bad(line, "cloud_service_type", "unknown service type \(p.cloudServiceType)") }
            if let svc = resources[p.resourceType] {
                if svc != p.cloudServiceType { bad(line, "resource_type", "\(p.resourceType) belongs to \(svc)") }
            } else { bad(line, "resource_type", "unknown resource type \(p.resourceType)") }
            if p.resourceSpec.isEmpty || p.resourceSpec.count > 400 { bad(line, "resource_spec", "must be 1-400 characters") }
            if p.region.isEmpty || p.region.count > 64 { bad(line, "region", "must be 1-64 characters") }
            if let id = p.productID, id.isEmpty || id.count > 64 { bad(line, "product_id", "must be 1-64 characters") }
            if let s = p.sizeMeasureID, ![14, 15, 17].contains(s) { bad(line, "size_measure_id", "must be 14, 15 or 17") }
            switch p.chargeMode {
            case "on_demand":
                if let f = p.usageFactor {
                    if !usages.contains("\(p.resourceType)|\(f)") { bad(line, "usage_factor", "\(f) is not a usage type of \(p.resourceType)") }
                } else { bad(line, "usage_factor", "is required for on_demand") }
                if let m = p.usageMeasureID { if !units.contains(m) { bad(line, "usage_measure_id", "unknown measure unit \(m)") } } else { bad(line, "usage_measure_id", "is required for on_demand") }
                if (p.unitPrice == nil) == (p.tiers == nil) { bad(line, "unit_price", "give exactly one of unit_price or tiers") }
                price(p.unitPrice, "unit_price")
                if let tiers = p.tiers {
                    var last: Decimal = 0
                    for (j, t) in tiers.enumerated() {
                        price(t.unitPrice, "tiers[\(j)].unit_price")
                        if let u = t.upTo {
                            guard let d = Money.parse(u), d > last else { bad(line, "tiers[\(j)].up_to", "must increase"); break }
                            last = d
                        } else if j != tiers.count - 1 { bad(line, "tiers[\(j)].up_to", "only the last tier may be unbounded") }
                    }
                    if tiers.isEmpty { bad(line, "tiers", "must not be empty") }
                }
            case "period":
                if p.monthPrice == nil && p.yearPrice == nil && p.dayPrice == nil && p.hourPrice == nil { bad(line, "month_price", "a period product needs at least one period price") }
                let package = [p.packageUsageType != nil, p.packageAmount != nil, p.packageMeasureID != nil]
                if package.contains(true) {
                    if package.contains(false) { bad(line, "package_usage_type", "a package needs package_usage_type, package_amount and package_measure_id together") }
                    if let u = p.packageUsageType, !usages.contains("\(p.resourceType)|\(u)") { bad(line, "package_usage_type", "\(u) is not a usage type of \(p.resourceType)") }
                    if let a = p.packageAmount, !(Money.parse(a).map { $0 > 0 && Money.scale($0) <= 8 } ?? false) { bad(line, "package_amount", "must be a positive decimal with at most 8 places") }
                    if let m = p.packageMeasureID, !units.contains(m) { bad(line, "package_measure_id", "unknown measure unit \(m)") }
                }
                for (v, f) in [(p.hourPrice, "hour_price"), (p.dayPrice, "day_price"), (p.monthPrice, "month_price"), (p.yearPrice, "year_price")] { price(v, f) }
            default:
                bad(line, "charge_mode", "must be on_demand or period")
            }
            if p.chargeMode == "on_demand", p.packageUsageType != nil || p.packageAmount != nil || p.packageMeasureID != nil {
                bad(line, "package_usage_type", "only a period product can be a package")
            }
            var from: Int64 = 0
            var until: Int64?
            if let f = p.effectiveFrom { if let t = WireTime.parseUTC(f) { from = t } else { bad(line, "effective_from", "must be a UTC time like 2024-01-01T00:00:00Z") } }
            if let u = p.effectiveUntil {
                if let t = WireTime.parseUTC(u) { until = t; if t <= from { bad(line, "effective_until", "must be after effective_from") } }
                else { bad(line, "effective_until", "must be a UTC time like 2024-12-31T23:59:59Z") }
            }
            guard problems.count == before else { continue }
            let id = p.productID ?? p.derivedID
            if !seenPlans.insert("\(id)|\(from)").inserted { bad(line, "effective_from", "duplicates another row's plan for product \(id)"); continue }
            plans.append((id, p, from, until))
        }
        if !problems.isEmpty { throw ImportFailed(problems: problems) }

        let total = plans.count
        let validPlans = plans
        let applied = try await database.transaction { db -> Int in
            for (i, s) in (doc.serviceTypes ?? []).enumerated() {
                try await db.raw("""
                    INSERT INTO catalog_service_types (code, name_zh, name_en, abbreviation, seq, incentive_policy, allow_discount)
                    VALUES (\(bind: s.code), \(bind: s.nameZh), \(bind: s.nameEn), \(bind: s.abbreviation), \(bind: i), \(bind: s.incentivePolicy), \(bind: s.allowDiscount))
                    ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, abbreviation = excluded.abbreviation,
                        incentive_policy = excluded.incentive_policy, allow_discount = excluded.allow_discount
                    """).run()
            }
            for (i, r) in (doc.resourceTypes ?? []).enumerated() {
                try await db.raw("""
                    INSERT INTO catalog_resource_types (code, service_type, name_zh, name_en, seq) VALUES (\(bind: r.code), \(bind: r.serviceType), \(bind: r.nameZh), \(bind: r.nameEn), \(bind: i))
                    ON CONFLICT (code) DO UPDATE SET service_type = excluded.service_type, name_zh = excluded.name_zh, name_en = excluded.name_en
                    """).run()
            }
            for (i, u) in (doc.usageTypes ?? []).enumerated() {
                try await db.raw("""
                    INSERT INTO catalog_usage_types (code, resource_type, name_zh, name_en, seq) VALUES (\(bind: u.code), \(bind: u.resourceType), \(bind: u.nameZh), \(bind: u.nameEn), \(bind: i))
                    ON CONFLICT (code, resource_type) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en
                    """).run()
            }
            for u in doc.measureUnits ?? [] {
                try await db.raw("""
                    INSERT INTO catalog_measure_units (id, name_zh, name_en, abbreviation, measure_type) VALUES (\(bind: u.id), \(bind: u.nameZh), \(bind: u.nameEn), \(bind: u.abbreviation), \(bind: u.measureType))
                    ON CONFLICT (id) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, abbreviation = excluded.abbreviation, measure_type = excluded.measure_type
                    """).run()
            }
            for c in doc.conversions ?? [] {
                try await db.raw("""
                    INSERT INTO catalog_conversions (measure_id, ref_measure_id, ratio, measure_type) VALUES (\(bind: c.measureID), \(bind: c.refMeasureID), \(bind: c.ratio), \(bind: c.measureType))
                    ON CONFLICT (measure_id, ref_measure_id) DO UPDATE SET ratio = excluded.ratio, measure_type = excluded.measure_type
                    """).run()
            }
            let now = WireTime.nowMillis()
            for (i, plan) in validPlans.enumerated() {
                let p = plan.p
                try await db.raw("""
                    INSERT INTO products (id, service_type, resource_type, resource_spec, region, charge_mode, usage_factor, usage_measure_id, size_measure_id,
                                          package_usage_type, package_amount, package_measure_id, created_at)
                    VALUES (\(bind: plan.id), \(bind: p.cloudServiceType), \(bind: p.resourceType), \(bind: p.resourceSpec), \(bind: p.region), \(bind: p.chargeMode),
                            \(bind: p.usageFactor ?? ""), \(bind: p.usageMeasureID), \(bind: p.sizeMeasureID), \(bind: p.packageUsageType),
                            \(bind: p.packageAmount.flatMap(Money.parse).map(Money.format)), \(bind: p.packageMeasureID), \(bind: now))
                    ON CONFLICT (id) DO UPDATE SET usage_measure_id = excluded.usage_measure_id, size_measure_id = excluded.size_measure_id,
                        -- a price update without the package columns leaves a package a package
                        package_usage_type = COALESCE(excluded.package_usage_type, products.package_usage_type),
                        package_amount = COALESCE(excluded.package_amount, products.package_amount),
                        package_measure_id = COALESCE(excluded.package_measure_id, products.package_measure_id)
                    """).run()
                let tiers = p.tiers.map { String(decoding: (try? JSONEncoder().encode($0)) ?? Data(), as: UTF8.self) }
                try await db.raw("""
                    INSERT INTO price_plans (product_id, effective_from, effective_until, unit_price, tiers, hour_price, day_price, month_price, year_price)
                    VALUES (\(bind: plan.id), \(bind: plan.from), \(bind: plan.until), \(bind: p.unitPrice), \(bind: tiers), \(bind: p.hourPrice), \(bind: p.dayPrice),
                            \(bind: p.monthPrice), \(bind: p.yearPrice))
                    ON CONFLICT (product_id, effective_from) DO UPDATE SET effective_until = excluded.effective_until, unit_price = excluded.unit_price,
                        tiers = excluded.tiers, hour_price = excluded.hour_price, day_price = excluded.day_price, month_price = excluded.month_price,
                        year_price = excluded.year_price
                    """).run()
                if (i + 1) % 500 == 0 || i + 1 == total { progress?(i + 1, total) }
            }
            return validPlans.count
        }
        return Summary(serviceTypes: doc.serviceTypes?.count ?? 0, resourceTypes: doc.resourceTypes?.count ?? 0, usageTypes: doc.usageTypes?.count ?? 0,
                       products: Set(validPlans.map { $0.id }).count, pricePlans: applied)
    }

    /// The whole price book, one product row per plan, in the import format.
    public static func export(_ database: Database) async throws -> CatalogDocument {
        try await database.read { db in
            let services = try await db.raw("SELECT * FROM catalog_service_types ORDER BY seq, code").all().map {
                CatalogDocument.ServiceType(code: try $0.decode(column: "code", as: String.self), nameZh: try $0.decode(column: "name_zh", as: String.self),
                                            nameEn: try $0.decode(column: "name_en", as: String.self), abbreviation: try $0.decode(column: "abbreviation", as: String?.self),
                                            incentivePolicy: try $0.decode(column: "incentive_policy", as: String?.self),
                                            allowDiscount: try $0.decode(column: "allow_discount", as: String?.self))
            }
            let resources = try await db.raw("SELECT * FROM catalog_resource_types ORDER BY seq, code").all().map {
                CatalogDocument.ResourceType(code: try $0.decode(column: "code", as: String.self), serviceType: try $0.decode(column: "service_type", as: String.self),
                                             nameZh: try $0.decode(column: "name_zh", as: String.self), nameEn: try $0.decode(column: "name_en", as: String.self))
            }
            let usages = try await db.raw("SELECT * FROM catalog_usage_types ORDER BY seq, resource_type, code").all().map {
                CatalogDocument.UsageType(code: try $0.decode(column: "code", as: String.self), resourceType: try $0.decode(column: "resource_type", as: String.self),
                                          nameZh: try $0.decode(column: "name_zh", as: String.self), nameEn: try $0.decode(column: "name_en", as: String.self))
            }
            let units = try await db.raw("SELECT * FROM catalog_measure_units ORDER BY id").all().map {
                CatalogDocument.MeasureUnit(id: try $0.decode(column: "id", as: Int.self), nameZh: try $0.decode(column: "name_zh", as: String.self),
                                            nameEn: try $0.decode(column: "name_en", as: String.self), abbreviation: try $0.decode(column: "abbreviation", as: String.self),
                                            measureType: try $0.decode(column: "measure_type", as: Int.self))
            }
            let conversions = try await db.raw("SELECT * FROM catalog_conversions ORDER BY measure_type, measure_id").all().map {
                CatalogDocument.Conversion(measureID: try $0.decode(column: "measure_id", as: Int.self), refMeasureID: try $0.decode(column: "ref_measure_id", as: Int.self),
                                           ratio: try $0.decode(column: "ratio", as: Int64.self), measureType: try $0.decode(column: "measure_type", as: Int.self))
            }
            let products = try await db.raw("""
                SELECT p.*, pp.effective_from, pp.effective_until, pp.unit_price, pp.tiers, pp.hour_price, pp.day_price, pp.month_price, pp.year_price
                FROM products p JOIN price_plans pp ON pp.product_id = p.id ORDER BY p.service_type, p.resource_type, p.region, p.resource_spec, p.charge_mode, p.usage_factor, pp.effective_from
                """).all().map { r in
                let factor = try r.decode(column: "usage_factor", as: String.self)
                let from = try r.decode(column: "effective_from", as: Int64.self)
                return CatalogDocument.Product(
                    productID: try r.decode(column: "id", as: String.self), cloudServiceType: try r.decode(column: "service_type", as: String.self),
                    resourceType: try r.decode(column: "resource_type", as: String.self), resourceSpec: try r.decode(column: "resource_spec", as: String.self),
                    region: try r.decode(column: "region", as: String.self), chargeMode: try r.decode(column: "charge_mode", as: String.self),
                    usageFactor: factor.isEmpty ? nil : factor, usageMeasureID: try r.decode(column: "usage_measure_id", as: Int?.self),
                    sizeMeasureID: try r.decode(column: "size_measure_id", as: Int?.self), effectiveFrom: from == 0 ? nil : WireTime.utc(from),
                    effectiveUntil: try r.decode(column: "effective_until", as: Int64?.self).map(WireTime.utc),
                    unitPrice: try r.decode(column: "unit_price", as: String?.self),
                    tiers: try r.decode(column: "tiers", as: String?.self).flatMap { try? JSONDecoder().decode([CatalogDocument.Tier].self, from: Data($0.utf8)) },
                    hourPrice: try r.decode(column: "hour_price", as: String?.self), dayPrice: try r.decode(column: "day_price", as: String?.self),
                    monthPrice: try r.decode(column: "month_price", as: String?.self), yearPrice: try r.decode(column: "year_price", as: String?.self),
                    packageUsageType: try r.decode(column: "package_usage_type", as: String?.self), packageAmount: try r.decode(column: "package_amount", as: String?.self),
                    packageMeasureID: try r.decode(column: "package_measure_id", as: Int?.self))
            }
            return CatalogDocument(serviceTypes: services, resourceTypes: resources, usageTypes: usages, measureUnits: units, conversions: conversions, products: products)
        }
    }

    /// CSV of the products (one row per plan), for spreadsheets.
    public static func csv(_ doc: CatalogDocument) -> String {
        // The package columns appear only when some product is a package, so catalogs
        // without packages keep the plain layout.
        let packages = (doc.products ?? []).contains { $0.packageUsageType != nil }
        var out = (productColumns + (packages ? packageColumns : [])).joined(separator: ",") + "\n"
        for p in doc.products ?? [] {
            let tiers = p.tiers.map { $0.map { "\($0.upTo ?? ""):\($0.unitPrice)" }.joined(separator: "|") }
            var fields: [String?] = [p.productID, p.cloudServiceType, p.resourceType, p.resourceSpec, p.region, p.chargeMode, p.usageFactor,
                                     p.usageMeasureID.map(String.init), p.sizeMeasureID.map(String.init), p.effectiveFrom, p.effectiveUntil, p.unitPrice,
                                     tiers, p.hourPrice, p.dayPrice, p.monthPrice, p.yearPrice]
            if packages { fields += [p.packageUsageType, p.packageAmount, p.packageMeasureID.map(String.init)] }
            out += fields.map { CSV.escape($0 ?? "") }.joined(separator: ",") + "\n"
        }
        return out
    }
}
