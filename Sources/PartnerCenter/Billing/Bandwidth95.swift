import Foundation
import SQLKit

/// 95th-percentile bandwidth billing data (95计费): 5-minute bandwidth points imported as
/// usage records with a 95 usage type, and the two customer queries over them,
/// ListResourceUsage (the points of one resource) and ListResourceUsageSummary (per resource).
enum Bandwidth95 {
    /// Service → resource type pairs Huawei offers 95 billing for.
    static let resources = ["hws.service.type.cdn": "hws.resource.type.cdn", "hws.service.type.obs": "hws.resource.type.obs",
                            "hws.service.type.vpc": "hws.resource.type.bandwidth", "hws.service.type.iec": "hws.resource.type.edgebandwidth"]
    static let usageTypes: Set<String> = ["95Peak", "95peak_1000", "95Peak_1000", "bandwidth95peak", "95peak_plus"]
    static let mbps = 15
    static let pointMillis: Int64 = 5 * 60 * 1000
    static let pointsPerDay = 288

    static func isSample(_ r: UsageRecord) -> Bool { usageTypes.contains(r.usageType) }

    /// What makes a point unique: one value per resource, usage type and 5-minute interval.
    static func pointKey(_ r: UsageRecord) -> String {
        [r.customerID, r.cloudServiceType, r.resourceType, r.usageType, r.resourceID, r.beginTime].joined(separator: "\u{1}")
    }

    /// The monthly billed bandwidth: sort the points high to low, drop the highest 5 %, take the next.
    static func percentile95(_ values: [Decimal]) -> Decimal? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(by: >)
        return sorted[min(values.count * 5 / 100, sorted.count - 1)]
    }

    /// actual_days = points / 288, exact to 20 places.
    static func actualDays(points: Int) -> String {
        var q = Decimal(points) / Decimal(pointsPerDay)
        var r = Decimal()
        NSDecimalRound(&r, &q, 20, .down)
        return Money.format(r)
    }

    /// A month's 95 figures are published from 20:00 (UTC+8) on the 2nd of the next month.
    static func published(cycle: String, now: Int64) -> Bool {
        let y = Int(cycle.prefix(4))!, m = Int(cycle.suffix(2))!
        let (ny, nm) = m == 12 ? (y + 1, 1) : (y, m + 1)
        guard let second = WireTime.fromParts(ny, nm, 2, 20, 0, 0) else { return false }
        return now >= second - WireTime.beijingOffset
    }

    /// Checks a 95 sample; the value is answered in Mbps.
    static func check(_ db: any SQLDatabase, _ r: UsageRecord, converter: UnitConverter, cache: ImportCache) async throws -> Result<Decimal, ImportProblem> {
        func bad(_ f: String, _ m: String) -> Result<Decimal, ImportProblem> { .failure(ImportProblem(line: 0, field: f, message: m)) }
        for (v, f, m) in [(r.recordID, "record_id", 128), (r.customerID, "customer_id", 64), (r.resourceID, "resource_id", 64),
                          (r.resourceSpec, "resource_spec", 400), (r.region, "region", 64)] where v.isEmpty || v.count > m {
            return bad(f, "must be 1-\(m) characters")
        }
        guard let resource = resources[r.cloudServiceType] else {
            return bad("cloud_service_type", "95 billing exists for \(resources.keys.sorted().joined(separator: ", ")) only")
        }
        guard r.resourceType == resource else { return bad("resource_type", "must be \(resource) for \(r.cloudServiceType)") }
        guard let begin = WireTime.parseUTC(r.beginTime) else { return bad("begin_time", "must be a UTC time like 2026-01-01T00:00:00Z") }
        guard let end = WireTime.parseUTC(r.endTime) else { return bad("end_time", "must be a UTC time like 2026-01-01T00:05:00Z") }
        guard begin % pointMillis == 0, end - begin == pointMillis else { return bad("end_time", "a 95 bandwidth point covers one 5-minute interval starting on a 5-minute boundary") }
        guard r.usageValue >= 0, Money.scale(r.usageValue) <= 8 else { return bad("usage_value", "must be a non-negative decimal with at most 8 places") }
        guard try await cache.partner(db, customer: r.customerID) != nil else { return bad("customer_id", "is not a customer") }
        guard let f = converter.factor(from: r.usageMeasureID, to: mbps) else { return bad("usage_measure_id", "must be a bandwidth unit (Mbps is \(mbps))") }
        // The same record committed meanwhile by a concurrent import is not "another" record:
        // its insert collides and the batch is read again as duplicates.
        if let other = try await db.raw("""
            SELECT record_id FROM usage_samples WHERE customer_id = \(bind: r.customerID) AND bill_cycle = \(bind: BillingStore.cycle(begin))
              AND service_type = \(bind: r.cloudServiceType) AND resource_type = \(bind: r.resourceType) AND usage_type = \(bind: r.usageType)
              AND resource_id = \(bind: r.resourceID) AND stat_time = \(bind: begin) AND record_id <> \(bind: r.recordID)
            """).first() {
            return bad("begin_time", "this resource's point at \(r.beginTime) was imported before as record \(try other.decode(column: "record_id", as: String.self))")
        }
        return .success(r.usageValue * f.num / f.den)
    }
}

public struct StatUsageInfo: Codable, Sendable {
    public var statTime: String
    public var guaranteedBandWidth: String?
    public var usage: String
    public var measureID: Int
    enum CodingKeys: String, CodingKey { case statTime = "stat_time", guaranteedBandWidth = "guaranteed_band_width", usage, measureID = "measure_id" }
}

public struct ResourceUsageDetails: Codable, Sendable {
    public var actualDays: String?
    public var bandWidth: String?
    public var monthlyGuaranteedBandWidth: String?
    public var monthlyPeakBandWidth: String?
    public var bandWidthMeasureID: Int?
    public var totalCount: Int
    public var usageInfoList: [StatUsageInfo]
    enum CodingKeys: String, CodingKey {
        case actualDays = "actual_days", bandWidth = "band_width", monthlyGuaranteedBandWidth = "monthly_guaranteed_band_width"
        case monthlyPeakBandWidth = "monthly_peak_band_width", bandWidthMeasureID = "band_width_measure_id", totalCount = "total_count"
        case usageInfoList = "usage_info_list"
    }
}

public struct StatUsageSummaryInfo: Codable, Sendable {
    public var resourceID: String
    public var actualDays: String?
    public var bandWidth: String?
    public var monthlyGuaranteedBandWidth: String?
    public var monthlyPeakBandWidth: String?
    public var bandWidthMeasureID: Int?
    enum CodingKeys: String, CodingKey {
        case resourceID = "resource_id", actualDays = "actual_days", bandWidth = "band_width"
        case monthlyGuaranteedBandWidth = "monthly_guaranteed_band_width", monthlyPeakBandWidth = "monthly_peak_band_width"
        case bandWidthMeasureID = "band_width_measure_id"
    }
}

public struct ResourceUsageSummary: Codable, Sendable {
    public var totalCount: Int
    public var summaryUsageInfoList: [StatUsageSummaryInfo]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", summaryUsageInfoList = "summary_usage_info_list" }
}

extension BillingStore {
    /// ListResourceUsage: the 5-minute points of one of the caller's resources in a month.
    public func resourceUsage(caller: Principal, _ q: ResourceUsageQuery) async throws -> ResourceUsageDetails {
        let f = q.filter, resourceID = q.resourceID
        return try await database.read { db in
            let now = try await BusinessClock.now(db)
            let scope: SQLQueryString = """
                customer_id = \(bind: caller.domainID) AND bill_cycle = \(bind: f.cycle) AND service_type = \(bind: f.serviceTypeCode)
                AND resource_type = \(bind: f.resourceTypeCode) AND usage_type = \(bind: f.usageType) AND resource_id = \(bind: resourceID)
                """
            let values = try await db.raw("SELECT mbps FROM usage_samples WHERE \(scope)").all().compactMap {
                Money.parse(try $0.decode(column: "mbps", as: String.self))
            }
            let rows = try await db.raw("SELECT stat_time, mbps FROM usage_samples WHERE \(scope) ORDER BY stat_time LIMIT \(bind: f.page.limit) OFFSET \(bind: f.page.offset)").all()
            let published = Bandwidth95.published(cycle: f.cycle, now: now)
            let band = published ? Bandwidth95.percentile95(values).map(Money.format) : nil
            return ResourceUsageDetails(
                actualDays: values.isEmpty ? nil : Bandwidth95.actualDays(points: values.count), bandWidth: band,
                monthlyGuaranteedBandWidth: nil, monthlyPeakBandWidth: nil, bandWidthMeasureID: band == nil ? nil : Bandwidth95.mbps,
                totalCount: values.count,
                usageInfoList: try rows.map {
                    StatUsageInfo(statTime: WireTime.utc(try $0.decode(column: "stat_time", as: Int64.self)), guaranteedBandWidth: nil,
                                  usage: try $0.decode(column: "mbps", as: String.self), measureID: Bandwidth95.mbps)
                })
        }
    }

    /// ListResourceUsageSummary: per resource of the caller, the month's figures (only the ids
    /// while the month is not published yet).
    public func resourceUsageSummary(caller: Principal, _ q: ResourceUsageSummaryQuery) async throws -> ResourceUsageSummary {
        let f = q.filter
        return try await database.read { db in
            let now = try await BusinessClock.now(db)
            let scope: SQLQueryString = """
                customer_id = \(bind: caller.domainID) AND bill_cycle = \(bind: f.cycle) AND service_type = \(bind: f.serviceTypeCode)
                AND resource_type = \(bind: f.resourceTypeCode) AND usage_type = \(bind: f.usageType)
                """
            let total = try await db.raw("SELECT COUNT(DISTINCT resource_id) AS n FROM usage_samples WHERE \(scope)").first()?.decode(column: "n", as: Int.self) ?? 0
            let ids = try await db.raw("SELECT DISTINCT resource_id FROM usage_samples WHERE \(scope) ORDER BY resource_id LIMIT \(bind: f.page.limit) OFFSET \(bind: f.page.offset)")
                .all().map { try $0.decode(column: "resource_id", as: String.self) }
            guard Bandwidth95.published(cycle: f.cycle, now: now) else {
                return ResourceUsageSummary(totalCount: total, summaryUsageInfoList: ids.map { StatUsageSummaryInfo(resourceID: $0) })
            }
            // The page's points in one query, grouped here.
            var points: [String: [Decimal]] = [:]
            if !ids.isEmpty {
                for row in try await db.raw("SELECT resource_id, mbps FROM usage_samples WHERE \(scope) AND resource_id IN (\(binds: ids))").all() {
                    if let v = Money.parse(try row.decode(column: "mbps", as: String.self)) {
                        points[try row.decode(column: "resource_id", as: String.self), default: []].append(v)
                    }
                }
            }
            let list = ids.map { id in
                let values = points[id] ?? []
                let band = Bandwidth95.percentile95(values).map(Money.format)
                return StatUsageSummaryInfo(resourceID: id, actualDays: Bandwidth95.actualDays(points: values.count), bandWidth: band,
                                            bandWidthMeasureID: band == nil ? nil : Bandwidth95.mbps)
            }
            return ResourceUsageSummary(totalCount: total, summaryUsageInfoList: list)
        }
    }
}
