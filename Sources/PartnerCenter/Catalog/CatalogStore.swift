import Foundation
import SQLKit

/// The product catalog: service, resource and usage types, units and conversions, and
/// the price book. Names follow `X-Language` (zh_CN by default, en_US).
public struct CatalogStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Loads the default catalog into an empty database.
    public func seedIfEmpty() async throws {
        let empty = try await database.read { try await $0.raw("SELECT COUNT(*) AS n FROM products").first()!.decode(column: "n", as: Int.self) == 0 }
        if empty { _ = try await CatalogImport.apply(DefaultCatalog.document, to: database) }
    }

    /// ListServiceTypes
    public func serviceTypes(_ q: ServiceTypesQuery) async throws -> ServiceTypeList {
        let (en, name, page) = (q.language.english, q.name, q.page)
        let nameColumn: SQLQueryString = en ? "name_en" : "name_zh"
        return try await database.read { db in
            var filter: SQLQueryString = "1 = 1"
            if let n = name { filter += " AND \(nameColumn) LIKE \(bind: likeInfix(n)) ESCAPE '\\'" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM catalog_service_types WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("SELECT code, \(nameColumn) AS name, abbreviation FROM catalog_service_types WHERE \(filter) ORDER BY seq, code LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            return ServiceTypeList(totalCount: total, serviceTypes: try rows.map {
                ServiceTypeInfo(serviceTypeName: try $0.decode(column: "name", as: String.self), serviceTypeCode: try $0.decode(column: "code", as: String.self),
                                abbreviation: try $0.decode(column: "abbreviation", as: String?.self))
            })
        }
    }

    /// ListIncentiveDiscountPolicies: each service type's incentive policy and whether partner
    /// discounts apply to it, as the catalog sets them (by default "0" and "YES"). The
    /// catalog keeps no history of these, so every month reads as now.
    public func incentivePolicies(_ q: IncentivePoliciesQuery) async throws -> IncentivePolicyList {
        try await database.read { db in
            var filter: SQLQueryString = "1 = 1"
            if let s = q.serviceType { filter += " AND code = \(bind: s)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM catalog_service_types WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT code, name_zh, incentive_policy, allow_discount FROM catalog_service_types WHERE \(filter)
                ORDER BY seq, code LIMIT \(bind: q.page.limit) OFFSET \(bind: q.page.offset)
                """).all()
            return IncentivePolicyList(policies: try rows.map {
                IncentivePolicy(serviceTypeCode: try $0.decode(column: "code", as: String.self), serviceTypeName: try $0.decode(column: "name_zh", as: String.self),
                                incentivePolicy: try $0.decode(column: "incentive_policy", as: String?.self) ?? "0",
                                allowDiscount: try $0.decode(column: "allow_discount", as: String?.self) ?? "YES")
            }, totalCount: total)
        }
    }

    /// ListResourceTypes
    public func resourceTypes(_ q: ResourceTypesQuery) async throws -> ResourceTypeList {
        let (en, page) = (q.language.english, q.page)
        let nameColumn: SQLQueryString = en ? "name_en" : "name_zh"
        return try await database.read { db in
            let total = try await db.raw("SELECT COUNT(*) AS n FROM catalog_resource_types").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("SELECT code, service_type, \(nameColumn) AS name FROM catalog_resource_types ORDER BY seq, code LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            return ResourceTypeList(totalCount: total, resourceTypes: try rows.map {
                let name = try $0.decode(column: "name", as: String.self)
                return ResourceTypeInfo(resourceTypeCode: try $0.decode(column: "code", as: String.self), resourceTypeName: name, resourceTypeDesc: name,
                                        serviceTypeCode: try $0.decode(column: "service_type", as: String.self))
            })
        }
    }

    /// ListServiceResources
    public func serviceResources(_ q: ServiceResourcesQuery) async throws -> ServiceResourceList {
        let (en, code, page) = (q.language.english, q.serviceType, q.page)
        let nameColumn: SQLQueryString = en ? "name_en" : "name_zh"
        return try await database.read { db in
            let total = try await db.raw("SELECT COUNT(*) AS n FROM catalog_resource_types WHERE service_type = \(bind: code)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("SELECT code, service_type, \(nameColumn) AS name FROM catalog_resource_types WHERE service_type = \(bind: code) ORDER BY seq, code LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            return ServiceResourceList(totalCount: total, infos: try rows.map {
                let name = try $0.decode(column: "name", as: String.self)
                return ServiceResourceInfo(basicInfo: ResourceBasicInfo(resourceTypeCode: try $0.decode(column: "code", as: String.self),
                                                                        productOwnerService: try $0.decode(column: "service_type", as: String.self), name: name, description: name))
            })
        }
    }

    /// ListUsageTypes
    public func usageTypes(_ q: UsageTypesQuery) async throws -> UsageTypeList {
        let (en, resourceType, page) = (q.language.english, q.resourceType, q.page)
        let suffix = en ? "name_en" : "name_zh"
        return try await database.read { db in
            var filter: SQLQueryString = "1 = 1"
            if let r = resourceType { filter += " AND u.resource_type = \(bind: r)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM catalog_usage_types u WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT u.code, u.resource_type, r.service_type, u.\(unsafeRaw: suffix) AS name, r.\(unsafeRaw: suffix) AS resource_name, s.\(unsafeRaw: suffix) AS service_name
                FROM catalog_usage_types u JOIN catalog_resource_types r ON r.code = u.resource_type JOIN catalog_service_types s ON s.code = r.service_type
                WHERE \(filter) ORDER BY u.resource_type, u.code LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return UsageTypeList(totalCount: total, usageTypes: try rows.map {
                UsageTypeInfo(code: try $0.decode(column: "code", as: String.self), name: try $0.decode(column: "name", as: String.self),
                              resourceTypeCode: try $0.decode(column: "resource_type", as: String.self), serviceTypeCode: try $0.decode(column: "service_type", as: String.self),
                              resourceTypeName: try $0.decode(column: "resource_name", as: String.self), serviceTypeName: try $0.decode(column: "service_name", as: String.self))
            })
        }
    }

    /// ListMeasureUnits
    public func measureUnits(_ language: CatalogLanguage) async throws -> MeasureUnitList {
        let en = language.english
        return try await database.read { db in
            MeasureUnitList(measureUnits: try await db.raw("SELECT * FROM catalog_measure_units ORDER BY id").all().map {
                MeasureUnitInfo(measureID: try $0.decode(column: "id", as: Int.self), measureName: try $0.decode(column: en ? "name_en" : "name_zh", as: String.self),
                                abbreviation: try $0.decode(column: "abbreviation", as: String.self), measureType: try $0.decode(column: "measure_type", as: Int.self))
            })
        }
    }

    /// ListConversions
    public func conversions(_ q: ConversionsQuery) async throws -> ConversionList {
        let measureType = q.measureType
        return try await database.read { db in
            var q: SQLQueryString = "SELECT * FROM catalog_conversions"
            if let measureType { q += " WHERE measure_type = \(bind: measureType)" }
            q += " ORDER BY measure_type, measure_id"
            return ConversionList(conversions: try await db.raw(q).all().map {
                ConversionInfo(measureID: try $0.decode(column: "measure_id", as: Int.self), refMeasureID: try $0.decode(column: "ref_measure_id", as: Int.self),
                               conversionRatio: try $0.decode(column: "ratio", as: Int64.self), measureType: try $0.decode(column: "measure_type", as: Int.self))
            })
        }
    }

    /// ListResourceSpecs: the specs on sale (a price plan in force now), by spec code.
    public func resourceSpecs(_ q: ResourceSpecsQuery) async throws -> ResourceSpecList {
        let now = try await database.businessNow()
        let name: SQLQueryString = q.english ? "name_en" : "name_zh"
        return try await database.read { db in
            var filter: SQLQueryString = """
                p.service_type = \(bind: q.service) AND p.resource_type = \(bind: q.resource) AND p.region = \(bind: q.region) AND p.charge_mode = \(bind: q.mode)
                AND EXISTS (SELECT 1 FROM price_plans pp WHERE pp.product_id = p.id AND pp.effective_from <= \(bind: now)
                            AND (pp.effective_until IS NULL OR pp.effective_until > \(bind: now)))
                """
            if let s = q.spec { filter += " AND p.resource_spec = \(bind: s)" }
            if let a = q.after { filter += " AND p.resource_spec > \(bind: a)" }
            let rows = try await db.raw("""
                SELECT DISTINCT p.resource_spec, st.\(name) AS sname, rt.\(name) AS rname FROM products p
                LEFT JOIN catalog_service_types st ON st.code = p.service_type LEFT JOIN catalog_resource_types rt ON rt.code = p.resource_type
                WHERE \(filter) ORDER BY p.resource_spec LIMIT \(bind: q.limit + 1)
                """).all()
            let specs = try rows.prefix(q.limit).map { r in
                ResourceSpecInfo(cloudServiceType: q.service, cloudServiceTypeName: try r.decode(column: "sname", as: String?.self), resourceType: q.resource,
                                 resourceTypeName: try r.decode(column: "rname", as: String?.self), resourceSpec: try r.decode(column: "resource_spec", as: String.self),
                                 resourceSpecName: try r.decode(column: "resource_spec", as: String.self), chargeMode: q.mode == "period" ? "1" : "3",
                                 regionCode: q.region)
            }
            return ResourceSpecList(pageInfo: .init(nextMarker: rows.count > q.limit ? specs.last.map { q.marker(after: $0.resourceSpec) } : nil),
                                    cloudServiceBasics: specs)
        }
    }
}
