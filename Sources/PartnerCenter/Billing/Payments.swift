import Foundation
import SQLKit

/// Pays amounts due in Huawei's order: usable cash coupons for the service (soonest to
/// expire first), then cash, and the rest as arrears; each part a ledger transfer in the
/// caller's transaction. Transfers go through one `LedgerBatch`, and each customer's
/// coupons and accounts are looked up once, so paying a million fees costs a million
/// transfer rows, not a million rounds of queries. `finish` before the transaction commits.
final class Payments {
    struct Coupon { let id: String; let account: String; let services: Set<String>? }

    let ledger: LedgerBatch
    private var accountIDs: [String: String] = [:]
    private var coupons: [String: [Coupon]] = [:]
    private var usedUp: Set<String> = []

    init(backend: Database.Backend, now: Int64, chain: WriteChain? = nil) {
        ledger = LedgerBatch(backend: backend, now: now, chain: chain)
    }

    func account(_ db: any SQLDatabase, owner: String?, type: LedgerAccountType) async throws -> String {
        let key = (owner ?? "") + "\u{1}" + type.rawValue
        if let id = accountIDs[key] { return id }
        let id = try await Ledger.ensure(db, owner: owner, type: type)
        accountIDs[key] = id
        return id
    }

    /// The customer's coupons usable now, in the order they pay.
    func coupons(_ db: any SQLDatabase, customer: String) async throws -> [Coupon] {
        if let known = coupons[customer] { return known }
        let list = try await db.raw("""
            SELECT c.id, c.limits, c.ledger_account FROM coupons c
            WHERE c.customer_id = \(bind: customer) AND c.status = 2 AND c.effective_at <= \(bind: ledger.now) AND c.expires_at > \(bind: ledger.now)
            ORDER BY c.expires_at, c.id
            """).all().map { row in
                Coupon(id: try row.decode(column: "id", as: String.self), account: try row.decode(column: "ledger_account", as: String.self),
                       services: CouponStore.quotaServiceTypes(CouponStore.decodeLimits(try row.decode(column: "limits", as: String.self))))
            }
        coupons[customer] = list
        return list
    }

    /// Reads and locks, in id order, every account paying for these customers may touch.
    func prepare(_ db: any SQLDatabase, customers: [String]) async throws {
        var ids = [try await account(db, owner: nil, type: .revenue)]
        for c in Set(customers) {
            ids.append(try await account(db, owner: c, type: .cash))
            ids.append(try await account(db, owner: c, type: .debt))
            ids += try await coupons(db, customer: c).map(\.account)
        }
        try await ledger.preload(db, ids)
    }

    func pay(_ db: any SQLDatabase, customerID: String, partner: String, service: String, amount: Int64) async throws -> (coupon: Int64, cash: Int64, debt: Int64) {
        precondition(amount >= 0, "payments are for amounts due; refunds go through refund")
        var remaining = amount
        var coupon: Int64 = 0, cash: Int64 = 0, debt: Int64 = 0
        guard remaining > 0 else { return (0, 0, 0) }
        let revenue = try await account(db, owner: nil, type: .revenue)
        for c in try await coupons(db, customer: customerID) where remaining > 0 && !usedUp.contains(c.id) {
            if let allowed = c.services, !allowed.contains(service) { continue }
            let take = min(remaining, try await ledger.balance(db, c.account))
            guard take > 0 else { continue }
            try await ledger.post(db, kind: "COUPON_PAY", from: c.account, to: revenue, units: take, partnerID: partner, counterpartyID: customerID, idPrefix: "CU")
            if try await ledger.balance(db, c.account) == 0 { usedUp.insert(c.id) }
            coupon += take
            remaining -= take
        }
        if remaining > 0 {
            let account = try await account(db, owner: customerID, type: .cash)
            let take = min(remaining, max(0, try await ledger.balance(db, account)))
            if take > 0 {
                try await ledger.post(db, kind: "DEDEUCT", from: account, to: revenue, units: take, partnerID: partner, counterpartyID: customerID, idPrefix: "DD")
                cash = take
                remaining -= take
            }
        }
        if remaining > 0 {
            let account = try await account(db, owner: customerID, type: .debt)
            try await ledger.post(db, kind: "DEBT", from: account, to: revenue, units: remaining, partnerID: partner, counterpartyID: customerID, idPrefix: "DB")
            debt = remaining
        }
        precondition(coupon + cash + debt == amount, "a payment's split adds up to the amount due")
        return (coupon, cash, debt)
    }

    /// Writes the transfers and balances, and marks used-up coupons as used.
    func finish(_ db: any SQLDatabase) async throws {
        try await ledger.finish(db)
        try await CouponStore.markUsedUp(db, usedUp.sorted(), at: ledger.now)
    }
}
