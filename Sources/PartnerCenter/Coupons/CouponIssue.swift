import Foundation
import SQLKit

extension CouponStore {
    static func quotaServiceTypes(_ limits: [QuotaLimitInfo]) -> Set<String>? {
        guard let l = limits.first(where: { $0.limitKey == "cloudServiceType" }) else { return nil }
        return Set(l.limitValues.compactMap(\.value1))
    }

    /// CreatePartnerCoupons: one coupon of `face_value` per customer, drawn from the quota.
    /// Request-level problems are 4xx; per-customer ones come back in `error_details`.
    public func createCoupons(caller: Principal, _ r: NewCoupons) async throws -> CreatePartnerCouponsResponse {
        let (quotaID, customers, units, validFrom, validTo) = (r.quotaID, r.customerIDs, r.units, r.validFrom, r.validTo)
        let (services, products) = (r.serviceTypes, r.productIDs)
        let backend = database.backend

        return try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            let payer = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: r.indirectPartnerID)
            try await lock(db, "coupon_quotas", quotaID)
            guard let q = try await db.raw("SELECT quota_type, status, effective_at, expires_at, limits, ledger_account FROM coupon_quotas WHERE id = \(bind: quotaID) AND partner_id = \(bind: payer)").first(),
                  try q.decode(column: "status", as: Int.self) == 0 else {
                throw Refusal(.quotaUnusable, "The coupon quota does not exist or its status does not allow this operation.")
            }
            let qStart = try q.decode(column: "effective_at", as: Int64.self)
            let qEnd = try q.decode(column: "expires_at", as: Int64.self)
            guard now >= qStart, now < qEnd else { throw Refusal(.quotaNotInForce, "The coupon quota is not yet effective or has expired.") }
            let start = validFrom ?? qStart
            let end = validTo ?? qEnd
            guard start < end else { throw Refusal.parameter("expire_time", "must be after valid_time") }
            guard end > now else { throw Refusal.parameter("expire_time", "must be in the future") }
            guard start >= qStart, end <= qEnd else { throw Refusal.parameter("valid_time", "and expire_time must lie within the quota's validity") }
            let quotaLimits = Self.decodeLimits(try q.decode(column: "limits", as: String.self))
            // A coupon may narrow, never widen, what its quota allows.
            if let allowed = Self.quotaServiceTypes(quotaLimits), !services.isEmpty, !Set(services).isSubset(of: allowed) {
                throw Refusal(.restrictionWiderThanQuota, "The service or product restriction is wider than the quota allows.")
            }
            var limits: [QuotaLimitInfo] = []
            if !services.isEmpty {
                limits.append(QuotaLimitInfo(limitKey: "cloudServiceType", limitValues: services.map { LimitValue(value1: $0, value2: "") }))
            } else if let inherited = quotaLimits.first(where: { $0.limitKey == "cloudServiceType" }) {
                limits.append(inherited)
            }
            if !products.isEmpty { limits.append(QuotaLimitInfo(limitKey: "productId", limitValues: [LimitValue(value1: products.joined(separator: ","), value2: "")])) }
            let quotaType = try q.decode(column: "quota_type", as: Int.self)
            let quotaAccount = try q.decode(column: "ledger_account", as: String.self)
            var errors: [ErrorDetail] = []
            var issued: [CouponSimpleInfo] = []
            for customer in customers {
                let failure: Refusal?
                let row = try await db.raw("SELECT association_type, bound FROM customers WHERE id = \(bind: customer) AND partner_id = \(bind: payer)").first()
                let bound = try row?.decode(column: "bound", as: Int.self) ?? 0
                if bound != 1 {
                    failure = Refusal(.notYourCustomer, "The customer is not a sub-customer of this partner.")
                } else if try row?.decode(column: "association_type", as: String.self) != "2" {
                    failure = Refusal(.couponsNotForCooperationType, "Coupons cannot be issued to a customer of this cooperation type.")
                } else {
                    let couponID = try await Self.couponID(db, now: now)
                    let account = try await Ledger.ensure(db, owner: nil, type: .couponValue, object: couponID)
                    do {
                        let t = try await Ledger.post(db, backend: backend, .init(kind: "COUPON_ISSUE", from: quotaAccount, to: account, units: units,
                                                                                  partnerID: payer, counterpartyID: customer, idPrefix: "CI", reference: couponID))
                        try await db.raw("""
                            INSERT INTO coupons (id, quota_id, partner_id, customer_id, coupon_type, face_value, status, effective_at, expires_at, limits, memo, ledger_account, created_at, updated_at)
                            VALUES (\(bind: couponID), \(bind: quotaID), \(bind: payer), \(bind: customer), \(bind: quotaType == 0 ? 1 : 4), \(bind: units), 2,
                                    \(bind: start), \(bind: end), \(bind: Self.encodeLimits(limits)), \(bind: r.memo), \(bind: account), \(bind: now), \(bind: now))
                            """).run()
                        try await record(db, scope: "coupon", type: "1", partner: payer, operatorName: caller.domainName, quota: quotaID, parent: nil,
                                         quotaType: quotaType, coupon: couponID, customer: customer, indirect: nil, units: units, result: "0",
                                         remark: r.memo, transfer: t.id, now: now)
                        issued.append(CouponSimpleInfo(id: customer, couponID: couponID))
                        continue
                    } catch let e as LedgerError {
                        try await Ledger.discardUnused(db, account)
                        failure = Self.ledgerError(e)
                    }
                }
                if let failure {
                    try await record(db, scope: "coupon", type: "1", partner: payer, operatorName: caller.domainName, quota: quotaID, parent: nil,
                                     quotaType: quotaType, coupon: nil, customer: customer, indirect: nil, units: units, result: "-1",
                                     remark: failure.rule.wire.code, transfer: nil, now: now)
                    errors.append(ErrorDetail(customer, failure))
                }
            }
            try await db.raw("UPDATE coupon_quotas SET updated_at = \(bind: now) WHERE id = \(bind: quotaID)").run()
            return CreatePartnerCouponsResponse(errorDetails: errors, couponInfos: issued)
        }
    }

    /// ReclaimPartnerCoupons: the coupon's remaining value goes back to the quota it came
    /// from (or, if that quota was itself reclaimed, on to its parent).
    public func reclaimCoupon(caller: Principal, _ r: CouponReclaim) async throws {
        let couponID = r.couponID
        let backend = database.backend
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            let payer = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: r.indirectPartnerID)
            try await lock(db, "coupons", couponID)
            guard let c = try await db.raw("""
                SELECT c.quota_id, c.customer_id, c.status, c.expires_at, c.ledger_account, q.quota_type, q.status AS quota_status,
                       q.ledger_account AS quota_account, p.ledger_account AS parent_account, cu.association_type
                FROM coupons c JOIN coupon_quotas q ON q.id = c.quota_id LEFT JOIN coupon_quotas p ON p.id = q.parent_quota_id
                JOIN customers cu ON cu.id = c.customer_id
                WHERE c.id = \(bind: couponID) AND c.partner_id = \(bind: payer)
                """).first() else {
                throw Refusal.parameter("coupon_id", "does not name a coupon issued by this partner")
            }
            if try c.decode(column: "association_type", as: String.self) != "2" {
                throw Refusal(.consultantCouponsNotReclaimable, "Coupons of consultant-sale customers cannot be reclaimed.")
            }
            let account = try c.decode(column: "ledger_account", as: String.self)
            let balance = try await Ledger.balance(db, account)
            guard try c.decode(column: "status", as: Int.self) == 2, try c.decode(column: "expires_at", as: Int64.self) > now, balance > 0 else {
                throw Refusal(.couponNotReclaimable, "The coupon has expired, been used up or already been reclaimed.")
            }
            let quotaReclaimed = try c.decode(column: "quota_status", as: Int.self) == 6
            let target = quotaReclaimed ? (try c.decode(column: "parent_account", as: String?.self) ?? c.decode(column: "quota_account", as: String.self))
                                        : try c.decode(column: "quota_account", as: String.self)
            let customer = try c.decode(column: "customer_id", as: String.self)
            let t = try await Ledger.post(db, backend: backend, .init(kind: "COUPON_RECLAIM", from: account, to: target, units: balance,
                                                                      partnerID: payer, counterpartyID: customer, idPrefix: "CR", reference: couponID))
            try await db.raw("UPDATE coupons SET status = 5, updated_at = \(bind: now) WHERE id = \(bind: couponID)").run()
            try await record(db, scope: "coupon", type: "2", partner: payer, operatorName: caller.domainName, quota: try c.decode(column: "quota_id", as: String.self),
                             parent: nil, quotaType: try c.decode(column: "quota_type", as: Int.self), coupon: couponID, customer: customer, indirect: nil,
                             units: balance, result: "0", remark: nil, transfer: t.id, now: now)
        }
    }

    /// Σ remaining value of a customer's usable coupons (effective, unexpired) on the clock.
    public static func usableCouponValue(_ db: any SQLDatabase, customerID: String, now: Int64) async throws -> Int64 {
        try await db.raw("""
            SELECT CAST(COALESCE(SUM(l.balance), 0) AS BIGINT) AS total FROM coupons c JOIN ledger_accounts l ON l.id = c.ledger_account
            WHERE c.customer_id = \(bind: customerID) AND c.status = 2 AND c.effective_at <= \(bind: now) AND c.expires_at > \(bind: now)
            """).first()!.decode(column: "total", as: Int64.self)
    }
}
