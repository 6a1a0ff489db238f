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
    public static func cycle(_ millis: Int64) -> String {
        String(WireTime.utc(millis + WireTime.beijingOffset).prefix(7))
    }

    struct Rated { var plan: PricePlan; var official: Int64; var consume: Int64; var discount: Int64; var truncated: Int64 }

    /// Validates a record against storage; nil when fine, else the field and reason.
    static func rate(_ db: any SQLDatabase, _ r: UsageRecord, converter: UnitConverter, cache: ImportCache) async throws -> Result<Rated, ImportProblem> {
        func bad(_ f: String, _ m: String) -> Result<Rated, ImportProblem> { .failure(ImportProblem(line: 0, field: f, message: m)) }
        for (v, f, m) in [(r.recordID, "record_id", 128), (r.customerID, "customer_id", 64), (r.resourceID, "resource_id", 128),
                          (r.cloudServiceType, "cloud_service_type", 400), (r.resourceType, "resource_type", 400), (r.resourceSpec, "resource_spec", 400),
                          (r.region, "region", 64), (r.usageType, "usage_type", 64)] where v.isEmpty || v.count > m {
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
        let official = try Units.from(RatingMath.truncate(raw, scale: Units.scale))
        let exact = try Units.from(RatingMath.truncate(discounted, scale: Units.scale))
        // The amount due is kept to the fen; the part below it is written off (抹零).
        let consume = try Units.from(RatingMath.truncate(Units.decimal(exact), scale: 2))
        return .success(Rated(plan: plan, official: official, consume: consume, discount: official - exact, truncated: exact - consume))
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
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(start + 500, ids.count)]
                for table in ["usage_records", "usage_samples"] {
                    var q: SQLQueryString = "SELECT record_id, content_hash FROM \(unsafeRaw: table) WHERE record_id IN ("
                    for (i, id) in chunk.enumerated() { q += i == 0 ? "\(bind: id)" : ", \(bind: id)" }
                    q += ")"
                    for row in try await db.raw(q).all() {
                        stored[try row.decode(column: "record_id", as: String.self)] = try row.decode(column: "content_hash", as: String.self)
                    }
                }
            }
            var fresh: [(UsageRecord, Rated)] = []
            var samples: [(UsageRecord, Decimal)] = []
            var points: [String: String] = [:]
            var seen: [String: String] = [:]
            var duplicates = 0
            for (line, r) in records {
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
                        } else {
                            samples.append((r, mbps))
                        }
                    case .failure(let p): problems.append(ImportProblem(line: line, field: p.field, message: p.message))
                    }
                    continue
                }
                switch try await Self.rate(db, r, converter: converter, cache: cache) {
                case .success(let rated): fresh.append((r, rated))
                case .failure(let p): problems.append(ImportProblem(line: line, field: p.field, message: p.message))
                }
            }
            if !problems.isEmpty { throw ImportFailed(problems: problems.sorted { ($0.line, $0.field) < ($1.line, $1.field) }) }
            // Checking is about a third of the work, writing the rest.
            let all = records.count
            progress?(all / 3, all)
            for (i, (r, rated)) in fresh.enumerated() {
                try await Self.bill(db, backend: backend, r, rated, converter: converter, cache: cache)
                if (i + 1) % 1000 == 0 { progress?(all / 3 + (i + 1) * (all - all / 3) / max(fresh.count, 1), all) }
            }
            try await cache.sums.flush(db)
            // 95 bandwidth points are priced by the month, not one by one: they are kept as points.
            for (r, mbps) in samples { try await Bandwidth95.insert(db, r, mbps: mbps, now: cache.now) }
            return UsageImportSummary(imported: fresh.count + samples.count, duplicates: duplicates, rejected: 0, feeRecords: fresh.count)
        }
    }

    /// Pays an amount due in Huawei's order: usable cash coupons for the service (soonest to
    /// expire first), then cash, and the rest as arrears; each part a ledger transfer.
    static func pay(_ db: any SQLDatabase, backend: Database.Backend, customerID: String, partner: String, service: String,
                    amount: Int64, now: Int64, cache: ImportCache? = nil) async throws -> (coupon: Int64, cash: Int64, debt: Int64) {
        precondition(amount >= 0, "payments are for amounts due; refunds go through refund")
        var remaining = amount
        var coupon: Int64 = 0, cash: Int64 = 0, debt: Int64 = 0
        func account(_ owner: String?, _ type: LedgerAccountType) async throws -> String {
            if let cache { return try await cache.account(db, owner: owner, type: type) }
            return try await Ledger.ensure(db, owner: owner, type: type)
        }
        let revenue = try await account(nil, .revenue)
        var couponsPossible = true
        if let cache { couponsPossible = try await cache.mayHaveCoupons(db, customer: customerID) }
        if remaining > 0 && couponsPossible {
            let coupons = try await db.raw("""
                SELECT c.id, c.limits, c.ledger_account FROM coupons c
                WHERE c.customer_id = \(bind: customerID) AND c.status = 2 AND c.effective_at <= \(bind: now) AND c.expires_at > \(bind: now)
                ORDER BY c.expires_at, c.id
                """).all()
            for c in coupons where remaining > 0 {
                let limits = CouponStore.decodeLimits(try c.decode(column: "limits", as: String.self))
                if let allowed = CouponStore.quotaServiceTypes(limits), !allowed.contains(service) { continue }
                let account = try c.decode(column: "ledger_account", as: String.self)
                let take = min(remaining, try await Ledger.lockedBalance(db, backend: backend, account))
                guard take > 0 else { continue }
                _ = try await Ledger.post(db, backend: backend, .init(kind: "COUPON_PAY", from: account, to: revenue, units: take, partnerID: partner,
                                                                      counterpartyID: customerID, idPrefix: "CU"))
                if try await Ledger.balance(db, account) == 0 {
                    try await db.raw("UPDATE coupons SET status = 3, updated_at = \(bind: now) WHERE id = \(bind: try c.decode(column: "id", as: String.self))").run()
                }
                coupon += take
                remaining -= take
            }
        }
        if remaining > 0 {
            let account = try await account(customerID, .cash)
            let take = min(remaining, max(0, try await Ledger.lockedBalance(db, backend: backend, account)))
            if take > 0 {
                _ = try await Ledger.post(db, backend: backend, .init(kind: "DEDEUCT", from: account, to: revenue, units: take, partnerID: partner,
                                                                      counterpartyID: customerID, idPrefix: "DD"))
                cash = take
                remaining -= take
            }
        }
        if remaining > 0 {
            let account = try await account(customerID, .debt)
            _ = try await Ledger.post(db, backend: backend, .init(kind: "DEBT", from: account, to: revenue, units: remaining, partnerID: partner,
                                                                  counterpartyID: customerID, idPrefix: "DB"))
            debt = remaining
        }
        return (coupon, cash, debt)
    }

    /// Writes the fee record and pays it: packages, then coupons for the service, then cash, then arrears.
    static func bill(_ db: any SQLDatabase, backend: Database.Backend, _ r: UsageRecord, _ fullRate: Rated, converter: UnitConverter, cache: ImportCache) async throws {
        let now = cache.now
        let begin = WireTime.parseUTC(r.beginTime)!, end = WireTime.parseUTC(r.endTime)!
        guard let partner = try await cache.partner(db, customer: r.customerID) else { preconditionFailure("a rated record's customer exists") }
        let feeID = "FE" + Identifiers.domainID().prefix(24)
        // Resource packages come first; only the usage they leave is priced.
        let covered = try await cache.mayHavePackages(db, customer: r.customerID)
            ? try await usePackages(db, backend: backend, r, converter: converter, feeID: feeID, now: now) : 0
        var rated = fullRate
        if covered > 0 {
            var rest = r
            rest.usageValue = r.usageValue - covered
            guard case .success(let partial) = try await rate(db, rest, converter: converter, cache: cache) else { preconditionFailure("a record that rated in full rates in part") }
            rated = partial
        }
        let tradeID = "TR" + Identifiers.domainID().prefix(24)
        let (coupon, cash, debt) = try await pay(db, backend: backend, customerID: r.customerID, partner: partner, service: r.cloudServiceType,
                                                 amount: rated.consume, now: now, cache: cache)
        precondition(coupon + cash + debt == rated.consume, "a fee's payment split adds up to its amount due")
        precondition(rated.discount + rated.truncated + rated.consume == rated.official, "official = discount + truncated + amount due")
        // A pay-per-use resource seen for the first time joins the customer's inventory.
        if !cache.knownResources.contains(r.resourceID),
           try await db.raw("SELECT id FROM customer_resources WHERE resource_id = \(bind: r.resourceID)").first() == nil {
            try await db.raw("""
                INSERT INTO customer_resources (id, resource_id, customer_id, resource_name, region, service_type, resource_type, resource_spec, project_id,
                    product_id, is_main, charge_mode, status, effective_at, expire_policy, spec_size, spec_size_measure_id, created_at, updated_at)
                VALUES (\(bind: Identifiers.domainID()), \(bind: r.resourceID), \(bind: r.customerID), \(bind: r.resourceName ?? r.resourceID), \(bind: r.region),
                    \(bind: r.cloudServiceType), \(bind: r.resourceType), \(bind: r.resourceSpec), '0', \(bind: rated.plan.productID), 1, 'on_demand', 2,
                    \(bind: begin), 0, \(bind: rated.plan.isLinear ? r.resourceSize : nil), \(bind: rated.plan.isLinear ? rated.plan.sizeMeasureID : nil), \(bind: now), \(bind: now))
                """).run()
        }
        try await db.raw("""
            INSERT INTO fee_records (id, customer_id, partner_id, bill_cycle, service_type, resource_type, region, resource_id, resource_name, resource_spec,
                product_id, usage_type, usage_value, usage_measure_id, charging_mode, bill_type, consume_begin, consume_end, trade_time, trade_id,
                official, discount, truncated, consume, cash, credit, coupon, debt, record_id, free_usage, free_measure_id)
            VALUES (\(bind: feeID), \(bind: r.customerID), \(bind: partner), \(bind: cycle(begin)), \(bind: r.cloudServiceType), \(bind: r.resourceType),
                \(bind: r.region), \(bind: r.resourceID), \(bind: r.resourceName ?? r.resourceID), \(bind: r.resourceSpec), \(bind: rated.plan.productID),
                \(bind: r.usageType), \(bind: Money.format(r.usageValue)), \(bind: r.usageMeasureID), 3, 5, \(bind: begin), \(bind: end), \(bind: now),
                \(bind: tradeID), \(bind: rated.official), \(bind: rated.discount), \(bind: rated.truncated), \(bind: rated.consume), \(bind: cash), 0,
                \(bind: coupon), \(bind: debt), \(bind: r.recordID), \(bind: covered > 0 ? Money.format(covered) : nil), \(bind: covered > 0 ? r.usageMeasureID : nil))
            """).run()
        cache.knownResources.insert(r.resourceID)
        cache.sums.add(.init(partner: partner, customer: r.customerID, cycle: cycle(begin), day: (now + WireTime.beijingOffset) / WireTime.dayMillis,
                             service: r.cloudServiceType, resource: r.resourceType, chargingMode: 3, billType: 5),
                       official: rated.official, discount: rated.discount, truncated: rated.truncated, consume: rated.consume,
                       cash: cash, credit: 0, coupon: coupon, debt: debt)
        try await db.raw("INSERT INTO usage_records (record_id, content_hash, customer_id, fee_record_id, imported_at) VALUES (\(bind: r.recordID), \(bind: r.contentHash), \(bind: r.customerID), \(bind: feeID), \(bind: now))").run()
    }
}
