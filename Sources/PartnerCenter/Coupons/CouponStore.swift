import Foundation
import SQLKit

/// Coupon quotas granted by the operator, carved by distributors for their resellers, and
/// spent on cash coupons (代金券) for resale customers. Every value movement is a ledger
/// transfer: platform → quota → child quota → coupon, and back on reclaim.
public struct CouponStore: Sendable {
    /// Marks coupons that payments spent to nothing as used (status 3). Payments call this:
    /// coupons are this domain's table, their balances the ledger's.
    static func markUsedUp(_ db: any SQLDatabase, _ ids: [String], at now: Int64) async throws {
        try await setStatus(db, ids, to: 3, from: nil, at: now)
    }

    /// Coupons given money back by a refund: a used-up one is usable again (an expired one
    /// still reads as expired, by its date).
    static func markReturned(_ db: any SQLDatabase, _ ids: [String], at now: Int64) async throws {
        try await setStatus(db, ids, to: 2, from: 3, at: now)
    }

    /// Sets the stored status of these coupons (those in status `from`, when given), 500 to a statement.
    private static func setStatus(_ db: any SQLDatabase, _ ids: [String], to status: Int, from current: Int?, at now: Int64) async throws {
        for chunk in ids.chunked() {
            var q: SQLQueryString = "UPDATE coupons SET status = \(bind: status), updated_at = \(bind: now) WHERE id IN (\(binds: chunk))"
            if let current { q += " AND status = \(bind: current)" }
            try await db.raw(q).run()
        }
    }

    public let database: Database

    public init(database: Database) { self.database = database }

    // Statuses, derived against the clock where Huawei derives them.
    static func quotaStatus(now: Int64) -> SQLQueryString { "(CASE WHEN q.status = 0 AND \(bind: now) >= q.expires_at THEN 3 ELSE q.status END)" }
    static func couponStatus(now: Int64) -> SQLQueryString {
        "(CASE WHEN c.status = 2 AND \(bind: now) >= c.expires_at THEN 4 WHEN c.status = 2 AND \(bind: now) < c.effective_at THEN 1 ELSE c.status END)"
    }

    /// Huawei's quota ids: the second and four random digits. Several quotas made in one
    /// second would collide on those digits, so the id is drawn until it is unused.
    static func quotaID(_ db: any SQLDatabase, now: Int64) async throws -> String {
        try await unused(db, table: "coupon_quotas") { WireTime.utc(now).filter(\.isNumber) + String(format: "%04d", Int.random(in: 0..<10000)) }
    }
    static func couponID(_ db: any SQLDatabase, now: Int64) async throws -> String {
        try await unused(db, table: "coupons") { "CP" + WireTime.utc(now).filter(\.isNumber).dropFirst(2) + String(format: "%06d", Int.random(in: 0..<1_000_000)) }
    }

    /// An id from `make` that `table` does not hold yet (read in the caller's transaction).
    static func unused(_ db: any SQLDatabase, table: String, _ make: () -> String) async throws -> String {
        for _ in 0..<100 {
            let id = make()
            if try await db.raw("SELECT id FROM \(unsafeRaw: table) WHERE id = \(bind: id)").first() == nil { return id }
        }
        throw Refusal(.retryLater, "Too many \(table) were created in this second; try again.")
    }
    static func recordID() -> String { "R" + Identifiers.domainID().prefix(20) }

    static func encodeLimits(_ l: [QuotaLimitInfo]) -> String { String(decoding: (try? JSONEncoder().encode(l)) ?? Data("[]".utf8), as: UTF8.self) }
    static func decodeLimits(_ s: String) -> [QuotaLimitInfo] { (try? JSONDecoder().decode([QuotaLimitInfo].self, from: Data(s.utf8))) ?? [] }

    /// Locks one row of `table` for the rest of the transaction (PostgreSQL; SQLite's single
    /// writer already serializes), so status checks see what concurrent requests committed.
    func lock(_ db: any SQLDatabase, _ table: String, _ id: String) async throws {
        guard database.backend == .postgres else { return }
        _ = try await db.raw("SELECT id FROM \(unsafeRaw: table) WHERE id = \(bind: id)\(database.backend.forUpdate)").first()
    }

    static func ledgerError(_ e: LedgerError) -> Refusal {
        switch e {
        case .insufficient: return Refusal(.quotaInsufficient, "The coupon quota is insufficient.")
        case .overflow: return Refusal.parameter("amount", "is too large")
        case .idempotencyConflict: return Refusal(.idempotencyKeyReused, "Invalid parameter: X-Client-Token was already used for a different request.")
        }
    }

    func record(_ db: any SQLDatabase, scope: String, type: String, partner: String, operatorName: String?, quota: String?, parent: String?,
                quotaType: Int?, coupon: String?, customer: String?, indirect: String?, units: Int64, result: String, remark: String?,
                transfer: String?, now: Int64) async throws {
        try await db.raw("""
            INSERT INTO coupon_records (id, scope, operation_type, partner_id, operator_name, quota_id, parent_quota_id, quota_type, coupon_id,
                                        customer_id, indirect_partner_id, amount, result, remark, transfer_id, created_at)
            VALUES (\(bind: Self.recordID()), \(bind: scope), \(bind: type), \(bind: partner), \(bind: operatorName), \(bind: quota), \(bind: parent),
                    \(bind: quotaType), \(bind: coupon), \(bind: customer), \(bind: indirect), \(bind: units), \(bind: result), \(bind: remark),
                    \(bind: transfer), \(bind: now))
            """).run()
    }

    // MARK: operator: grant a quota

    public func grantQuota(partnerID: String, amount: Decimal, effective: Int64?, expires: Int64, quotaType: Int, serviceTypes: [String]) async throws -> CouponQuota {
        let units = try Units.from(try validAmount(amount))
        guard quotaType == 0 || quotaType == 1 else { throw Refusal.parameter("quota_type", "must be 0 (cash voucher) or 1 (cash coupon)") }
        let now = try await database.businessNow()
        let start = effective ?? now
        guard expires > start else { throw Refusal.parameter("expires", "must be after the effective time") }
        guard expires > now else { throw Refusal.parameter("expires", "must be in the future") }
        let limits = serviceTypes.isEmpty ? [] : [QuotaLimitInfo(limitKey: "cloudServiceType", limitValues: serviceTypes.map { LimitValue(value1: $0, value2: "") })]
        let backend = database.backend
        let id = try await database.transaction { db in
            let id = try await Self.quotaID(db, now: now)
            guard let row = try await db.raw("SELECT kind FROM accounts WHERE id = \(bind: partnerID)").first(),
                  let kind = AccountKind(rawValue: try row.decode(column: "kind", as: String.self)), kind.isPartner else {
                throw Refusal(.unknownObject, "Invalid parameter: domain_id \(partnerID) is not a partner.")
            }
            let source = try await Ledger.ensure(db, owner: nil, type: .quotaSource)
            let account = try await Ledger.ensure(db, owner: nil, type: .quota, object: id)
            try await db.raw("""
                INSERT INTO coupon_quotas (id, partner_id, quota_type, quota_value, status, effective_at, expires_at, limits, ledger_account, created_at, updated_at)
                VALUES (\(bind: id), \(bind: partnerID), \(bind: quotaType), \(bind: units), 0, \(bind: start), \(bind: expires), \(bind: Self.encodeLimits(limits)),
                        \(bind: account), \(bind: now), \(bind: now))
                """).run()
            _ = try await Ledger.post(db, backend: backend, .init(kind: "QUOTA_GRANT", from: source, to: account, units: units, partnerID: partnerID, idPrefix: "QG"))
            return id
        }
        return try await quota(id: id)!
    }

    func quota(id: String) async throws -> CouponQuota? {
        let now = try await database.businessNow()
        return try await database.read { db in
            try await db.raw("\(Self.quotaSelect(now: now)) WHERE q.id = \(bind: id)").first().map(Self.quotaRow)
        }
    }

    static func quotaSelect(now: Int64) -> SQLQueryString {
        """
        SELECT q.id, q.partner_id, q.parent_quota_id, q.quota_type, q.quota_value, \(quotaStatus(now: now)) AS derived_status, q.effective_at,
               q.expires_at, q.limits, q.created_at, q.updated_at, l.balance, a.name AS partner_name
        FROM coupon_quotas q JOIN ledger_accounts l ON l.id = q.ledger_account JOIN accounts a ON a.id = q.partner_id
        """
    }

    static func quotaRow(_ r: any SQLRow) throws -> CouponQuota {
        let parent = try r.decode(column: "parent_quota_id", as: String?.self)
        return CouponQuota(
            quotaID: try r.decode(column: "id", as: String.self), quotaType: try r.decode(column: "quota_type", as: Int.self),
            createTime: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)),
            lastUpdateTime: WireTime.utc(try r.decode(column: "updated_at", as: Int64.self)),
            quotaValue: Units.decimal(try r.decode(column: "quota_value", as: Int64.self)),
            quotaStatus: try r.decode(column: "derived_status", as: Int.self), balance: Units.decimal(try r.decode(column: "balance", as: Int64.self)),
            measureID: 1, currency: Ledger.currency,
            effectiveTime: WireTime.utc(try r.decode(column: "effective_at", as: Int64.self)),
            expireTime: WireTime.utc(try r.decode(column: "expires_at", as: Int64.self)),
            limitInfos: decodeLimits(try r.decode(column: "limits", as: String.self)),
            indirectPartnerID: parent == nil ? nil : try r.decode(column: "partner_id", as: String.self),
            indirectPartnerAccountName: parent == nil ? nil : try r.decode(column: "partner_name", as: String.self),
            indirectPartnerName: parent == nil ? nil : try r.decode(column: "partner_name", as: String.self),
            parentQuotaID: parent)
    }

    // MARK: distributor ↔ reseller quotas

    /// UpdateCouponQuotas
    public func adjustQuotas(caller: Principal, _ r: QuotaGrants) async throws -> AdjustCouponQuotasResponse {
        let (quotaID, resellers, units) = (r.quotaID, r.resellerIDs, r.units)
        let backend = database.backend
        return try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            try await lock(db, "coupon_quotas", quotaID)
            guard let parent = try await db.raw("SELECT quota_type, status, effective_at, expires_at, limits, ledger_account FROM coupon_quotas WHERE id = \(bind: quotaID) AND partner_id = \(bind: caller.domainID) AND parent_quota_id IS NULL").first(),
                  try parent.decode(column: "status", as: Int.self) == 0, try parent.decode(column: "expires_at", as: Int64.self) > now else {
                throw Refusal(.quotaUnusable, "The coupon quota does not exist or its status does not allow this operation.")
            }
            let parentAccount = try parent.decode(column: "ledger_account", as: String.self)
            var errors: [ErrorDetail] = []
            var done: [QuotaSimpleInfo] = []
            for reseller in resellers {
                guard try await db.raw("SELECT id FROM accounts WHERE id = \(bind: reseller) AND kind = 'reseller' AND parent_id = \(bind: caller.domainID)").first() != nil else {
                    errors.append(ErrorDetail(reseller, Refusal(.notYourReseller, "You have no permission to operate on the cloud reseller \(reseller).")))
                    continue
                }
                let childID = try await Self.quotaID(db, now: now)
                let account = try await Ledger.ensure(db, owner: nil, type: .quota, object: childID)
                try await db.raw("""
                    INSERT INTO coupon_quotas (id, partner_id, parent_quota_id, quota_type, quota_value, status, effective_at, expires_at, limits, ledger_account, created_at, updated_at)
                    VALUES (\(bind: childID), \(bind: reseller), \(bind: quotaID), \(bind: try parent.decode(column: "quota_type", as: Int.self)), \(bind: units), 0,
                            \(bind: try parent.decode(column: "effective_at", as: Int64.self)), \(bind: try parent.decode(column: "expires_at", as: Int64.self)),
                            \(bind: try parent.decode(column: "limits", as: String.self)), \(bind: account), \(bind: now), \(bind: now))
                    """).run()
                do {
                    let t = try await Ledger.post(db, backend: backend, .init(kind: "QUOTA_ADJUST", from: parentAccount, to: account, units: units,
                                                                              partnerID: caller.domainID, counterpartyID: reseller, idPrefix: "QA"))
                    try await record(db, scope: "quota", type: "10", partner: caller.domainID, operatorName: caller.domainName, quota: childID, parent: quotaID,
                                     quotaType: nil, coupon: nil, customer: nil, indirect: reseller, units: units, result: "0", remark: nil, transfer: t.id, now: now)
                    try await db.raw("UPDATE coupon_quotas SET updated_at = \(bind: now) WHERE id = \(bind: quotaID)").run()
                    done.append(QuotaSimpleInfo(id: reseller, quotaID: childID))
                } catch let e as LedgerError {
                    // Nothing was posted: drop the empty child quota and report this reseller.
                    try await db.raw("DELETE FROM coupon_quotas WHERE id = \(bind: childID)").run()
                    try await Ledger.discardUnused(db, account)
                    errors.append(ErrorDetail(reseller, Self.ledgerError(e)))
                }
            }
            return AdjustCouponQuotasResponse(errorDetails: errors, simpleQuotaInfos: done)
        }
    }

    /// ReclaimCouponQuotas
    public func reclaimQuotas(caller: Principal, _ r: QuotaReclaims) async throws -> ReclaimCouponQuotasResponse {
        let ids = r.quotaIDs
        let backend = database.backend
        return try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            var errors: [ErrorDetail] = []
            var done: [QuotaReclaim] = []
            for id in ids {
                try await lock(db, "coupon_quotas", id)
                // A child quota this distributor carved, not yet reclaimed.
                guard let row = try await db.raw("""
                    SELECT q.partner_id, q.parent_quota_id, q.ledger_account, q.status, p.ledger_account AS parent_account
                    FROM coupon_quotas q JOIN coupon_quotas p ON p.id = q.parent_quota_id
                    WHERE q.id = \(bind: id) AND p.partner_id = \(bind: caller.domainID)
                    """).first(), try row.decode(column: "status", as: Int.self) != 6 else {
                    errors.append(ErrorDetail(id, Refusal(.quotaUnusable, "The coupon quota does not exist or its status does not allow this operation.")))
                    continue
                }
                let account = try row.decode(column: "ledger_account", as: String.self)
                let balance = try await Ledger.balance(db, account)
                var transfer: String?
                if balance > 0 {
                    transfer = try await Ledger.post(db, backend: backend, .init(kind: "QUOTA_RECLAIM", from: account, to: try row.decode(column: "parent_account", as: String.self),
                                                                                 units: balance, partnerID: caller.domainID,
                                                                                 counterpartyID: try row.decode(column: "partner_id", as: String.self), idPrefix: "QR")).id
                }
                try await db.raw("UPDATE coupon_quotas SET status = 6, updated_at = \(bind: now) WHERE id = \(bind: id)").run()
                try await record(db, scope: "quota", type: "11", partner: caller.domainID, operatorName: caller.domainName, quota: id,
                                 parent: try row.decode(column: "parent_quota_id", as: String.self), quotaType: nil, coupon: nil, customer: nil,
                                 indirect: try row.decode(column: "partner_id", as: String.self), units: balance, result: "0", remark: r.remark,
                                 transfer: transfer, now: now)
                done.append(QuotaReclaim(quotaID: id, quotaBalance: 0))
            }
            return ReclaimCouponQuotasResponse(errorDetails: errors, simpleQuotaInfos: done)
        }
    }
}
