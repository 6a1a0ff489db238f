import Foundation
import SQLKit

/// Turns usage into fee records: each record priced with the plan in force at its begin
/// time (tiers, unit conversion, the partner's discount), then paid from usable cash
/// coupons, cash, and what remains becomes arrears, every payment a ledger transfer in
/// the same transaction as its fee record.
public struct BillingStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// `YYYY-MM` of a time, in Beijing time (bill cycles follow UTC+8).
    public static func cycle(_ millis: Int64) -> String { WireTime.beijingMonth(millis) }

    struct Rated { var plan: PricePlan; var official: Int64; var consume: Int64; var discount: Int64; var truncated: Int64; var begin: Int64; var end: Int64 }

    /// Validates a record against storage; nil when fine, else the field and reason.
    static func rate(_ db: any SQLDatabase, _ r: UsageRecord, converter: UnitConverter, cache: ImportCache) async throws -> Result<Rated, ImportProblem> {
        func bad(_ f: String, _ m: String) -> Result<Rated, ImportProblem> { .failure(ImportProblem(line: 0, field: f, message: m)) }
        for (v, f, m) in [(r.recordID, "record_id", 128), (r.customerID, "customer_id", 64), (r.resourceID, "resource_id", 128),
                          (r.cloudServiceType, "cloud_service_type", 400), (r.resourceType, "resource_type", 400), (r.resourceSpec, "resource_spec", 400),
                          (r.region, "region", 64), (r.usageType, "usage_type", 64)] where v.isEmpty || (v.utf8.count > m && v.count > m) {
            return bad(f, "must be 1-\(m) characters")
        }
        guard let begin = WireTime.parseUTC(r.beginTime) else { return bad("begin_time", "must be a UTC time like 2026-01-01T00:00:00Z") }
        guard let end = WireTime.parseUTC(r.endTime) else { return bad("end_time", "must be a UTC time like 2026-01-01T01:00:00Z") }
        guard end >= begin else { return bad("end_time", "must not be before begin_time") }
        guard r.usageValue >= 0, Money.scale(r.usageValue) <= 8 else { return bad("usage_value", "must be a non-negative decimal with at most 8 places") }
        guard try await cache.partner(db, customer: r.customerID) != nil else { return bad("customer_id", "is not a customer") }
        guard try await cache.factorExists(db, resource: r.resourceType, factor: r.usageType) else { return bad("usage_type", "\(r.usageType) is not a usage type of \(r.resourceType)") }
        guard let plan = try await cache.plan(db, r, at: begin) else {
            return bad("resource_spec", "no pay-per-use product \(r.cloudServiceType)/\(r.resourceType)/\(r.resourceSpec) in \(r.region) priced at \(r.beginTime)")
        }
        var size = Decimal(1)
        if let unit = plan.sizeMeasureID {
            guard let s = r.resourceSize, s > 0 else { return bad("resource_size", "is required for this linear product") }
            guard r.sizeMeasureID == nil || r.sizeMeasureID == unit else { return bad("size_measure_id", "must be \(unit) for this product") }
            size = Decimal(s)
        }
        guard let unit = plan.usageMeasureID, let conv = converter.factor(from: r.usageMeasureID, to: unit) else {
            return bad("usage_measure_id", "\(r.usageMeasureID) cannot be converted to the product's unit")
        }
        let rate = try await cache.discount(db, customer: r.customerID, service: r.cloudServiceType, at: begin)
        let (raw, discounted) = RatingMath.charges(plan, value: r.usageValue, num: conv.num, den: conv.den, count: size, rate: rate)
        guard raw <= RatingStore.maxAmount else { return bad("usage_value", "prices above the maximum amount") }
        // Rated usage is kept to eight places, truncated (the storage scale).
        let official = try Units.from(Money.truncated(raw, scale: Units.scale))
        let exact = try Units.from(Money.truncated(discounted, scale: Units.scale))
        // The amount due is kept to the fen; the part below it is written off (抹零).
        let consume = Units.truncatedToFen(exact)
        return .success(Rated(plan: plan, official: official, consume: consume, discount: official - exact, truncated: exact - consume, begin: begin, end: end))
    }

    /// Imports a batch: every record is checked first and any bad one refuses the batch.
    /// Known records with the same content are skipped; the same id with other content is
    /// a bad row. Two instances importing the same batch at once rate each record once.
    /// `progress` hears (records done, records in all) as the batch is checked and written.
    public func importUsage(_ records: [(line: Int, record: UsageRecord)], malformed: [ImportProblem] = [],
                            progress: (@Sendable (Int, Int) -> Void)? = nil) async throws -> UsageImportSummary {
        do {
            return try await importOnce(records, malformed: malformed, progress: progress)
        } catch where Database.isUniqueViolation(error) {
            return try await importOnce(records, malformed: malformed, progress: progress)  // a concurrent import won: its records are now duplicates
        }
    }

    func importOnce(_ records: [(line: Int, record: UsageRecord)], malformed: [ImportProblem],
                    progress: (@Sendable (Int, Int) -> Void)?) async throws -> UsageImportSummary {
        let backend = database.backend
        return try await database.transaction { db in
            let converter = try await UnitConverter.load(db)
            let cache = ImportCache(now: try await BusinessClock.now(db))
            var problems = malformed
            // Which ids are known already (rated usage or bandwidth points), in a few queries for the whole batch.
            var stored: [String: String] = [:]
            let ids = Array(Set(records.map(\.record.recordID)))
            for table in ["fee_records", "usage_samples"] {
                for row in try await BulkLookup.rows(db, backend: backend, select: "t.record_id, t.content_hash", from: table, key: "record_id", in: ids) {
                    stored[try row.decode(column: "record_id", as: String.self)] = try row.decode(column: "content_hash", as: String.self)
                }
            }
            // One pass: each record is checked and, while the batch has no bad row, written at
            // once, so the database writes on one core while the next records are rated on the
            // other. After the first bad row nothing more is written, the rest is only checked
            // (every bad row is named), and the transaction is rolled back.
            let writer = UsageWriter(backend: backend, cache: cache)
            var rated = 0, sampled = 0
            var points: [String: String] = [:]
            var seen: [String: String] = [:]
            var duplicates = 0
            do {
                if problems.isEmpty {
                    var customers: [String] = []
                    for c in Set(records.map(\.record.customerID)) where try await cache.partner(db, customer: c) != nil { customers.append(c) }
                    try await writer.prepare(db, resources: records.map(\.record.resourceID), customers: customers)
                }
                let all = records.count
                for (i, (line, r)) in records.enumerated() {
                    if (i + 1) % 1000 == 0 { progress?(i + 1, all) }
                    let hash = r.contentHash
                    if let earlier = seen[r.recordID] {
                        if earlier == hash { duplicates += 1 } else { problems.append(ImportProblem(line: line, field: "record_id", message: "\(r.recordID) appears twice with different content")) }
                        continue
                    }
                    seen[r.recordID] = hash
                    if let known = stored[r.recordID] {
                        if known == hash { duplicates += 1 } else {
                            problems.append(ImportProblem(line: line, field: "record_id", message: "\(r.recordID) was imported before with different content"))
                        }
                        continue
                    }
                    if Bandwidth95.isSample(r) {
                        switch try await Bandwidth95.check(db, r, converter: converter, cache: cache) {
                        case .success(let mbps):
                            if let first = points.updateValue(r.recordID, forKey: Bandwidth95.pointKey(r)) {
                                problems.append(ImportProblem(line: line, field: "begin_time", message: "this resource's point at \(r.beginTime) is also record \(first) of this batch"))
                            } else if problems.isEmpty {
                                // 95 bandwidth points are priced by the month, not one by one: they are kept as points.
                                try await writer.sample(db, r, mbps: mbps, hash: hash)
                                sampled += 1
                            }
                        case .failure(let p): problems.append(ImportProblem(line: line, field: p.field, message: p.message))
                        }
                        continue
                    }
                    switch try await Self.rate(db, r, converter: converter, cache: cache) {
                    case .success(let fee):
                        if problems.isEmpty {
                            try await writer.bill(db, r, fee, hash: hash, converter: converter)
                            rated += 1
                        }
                    case .failure(let p): problems.append(ImportProblem(line: line, field: p.field, message: p.message))
                    }
                }
                if !problems.isEmpty { throw ImportFailed(problems: problems.sorted { ($0.line, $0.field) < ($1.line, $1.field) }) }
                try await writer.finish(db)
            } catch let failed as ImportFailed {
                _ = await writer.abandon()
                throw failed
            } catch {
                throw await writer.abandon() ?? error
            }
            return UsageImportSummary(imported: rated + sampled, duplicates: duplicates, rejected: 0, feeRecords: rated)
        }
    }
}
