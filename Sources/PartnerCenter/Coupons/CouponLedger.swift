import Foundation
import SQLKit

/// ListCustomerCouponChangeRecords: a customer's coupon income and expense, read from the
/// ledger lines of its coupons' accounts (every coupon value is a ledger balance, so the
/// ledger is the whole story: issue, spending, refunds, reclaim).
///
/// How ledger kinds read on the wire (trade type → detail type):
/// - `COUPON_ISSUE`: REVENUE, `ADJUST` → `SOURCE_OPERAIION_PRIZE` (activation);
/// - `COUPON_PAY`: EXPENSE, `DEDEUCT` → `SOURCE_OPERAIION_DEDEUCT` when it paid an order
///   (yearly/monthly), `SOURCE_OPERAIION_USAGE` when it paid usage fees;
/// - `COUPON_REFUND`: REVENUE, `REFUND` → `SOURCE_OPERAIION_UNSUBSCRIBE`;
/// - `COUPON_RECLAIM`: EXPENSE, `COUPONCANCEL` → `SOURCE_OPERATION_COUPONCANCEL`.
/// Nothing here freezes, transfers or clears coupons at expiry (an expired coupon keeps its
/// balance, unusable), so `RFROZEN`, `COUPONADJUST` and `EXPIRED` match no line.
extension CouponStore {
    static let ledgerKinds: [String: (tradeType: String, direction: String)] = [
        "COUPON_ISSUE": ("ADJUST", "REVENUE"), "COUPON_PAY": ("DEDEUCT", "EXPENSE"),
        "COUPON_REFUND": ("REFUND", "REVENUE"), "COUPON_RECLAIM": ("COUPONCANCEL", "EXPENSE"),
    ]
    static let couponTradeTypes: Set<String> = ["ADJUST", "DEDEUCT", "REFUND", "RFROZEN", "EXPIRED", "COUPONADJUST", "COUPONCANCEL"]

    static func detailType(kind: String, paidOrder: Bool) -> String {
        switch kind {
        case "COUPON_ISSUE": return "SOURCE_OPERAIION_PRIZE"
        case "COUPON_PAY": return paidOrder ? "SOURCE_OPERAIION_DEDEUCT" : "SOURCE_OPERAIION_USAGE"
        case "COUPON_REFUND": return "SOURCE_OPERAIION_UNSUBSCRIBE"
        case "COUPON_RECLAIM": return "SOURCE_OPERATION_COUPONCANCEL"
        default: preconditionFailure("a coupon account moves only by issue, payment, refund or reclaim: \(kind)")
        }
    }

    public func couponChanges(caller: Principal, _ q: CouponChangesQuery) async throws -> CouponChangeRecords {
        let (begin, end) = try q.tradeDays.window(today: WireTime.beijingDayStart(try await database.businessNow()))
        let page = try q.page
        return try await database.read { db in
            let kinds = Self.ledgerKinds.filter { entry in
                (q.tradeType.map { $0 == entry.value.tradeType } ?? true) && (q.revenueExpenseType.map { $0 == entry.value.direction } ?? true)
            }.keys.sorted()
            guard !kinds.isEmpty else { return CouponChangeRecords(totalCount: 0, currency: Ledger.currency, records: []) }
            var filter: SQLQueryString = """
                c.customer_id = \(bind: caller.domainID) AND t.kind IN (\(binds: kinds))
                AND t.created_at >= \(bind: begin) AND t.created_at < \(bind: end + WireTime.dayMillis)
                """
            if let id = q.couponID { filter += " AND c.id = \(bind: id)" }
            if let trade = q.tradeID { filter += " AND (t.reference = \(bind: trade) OR t.id = \(bind: trade))" }
            let from: SQLQueryString = "FROM coupons c JOIN transfers t ON (t.from_account = c.ledger_account OR t.to_account = c.ledger_account)"
            let total = try await db.raw("SELECT COUNT(*) AS n \(from) WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT c.id AS coupon_id, t.id, t.kind, t.amount, t.created_at, t.reference,
                       CASE WHEN t.from_account = c.ledger_account THEN t.from_balance_after ELSE t.to_balance_after END AS after,
                       o.id AS order_id, st.name_zh AS service_name
                \(from) LEFT JOIN orders o ON o.id = t.reference LEFT JOIN catalog_service_types st ON st.code = o.service_type
                WHERE \(filter) ORDER BY t.created_at DESC, t.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return CouponChangeRecords(totalCount: total, currency: Ledger.currency, records: try rows.map { r in
                let kind = try r.decode(column: "kind", as: String.self)
                let at = try r.decode(column: "created_at", as: Int64.self)
                let order = try r.decode(column: "order_id", as: String?.self)
                return CouponChangeRecord(
                    couponID: try r.decode(column: "coupon_id", as: String.self),
                    tradeDetailType: Self.detailType(kind: kind, paidOrder: order != nil), tradeTime: WireTime.utc(at),
                    tradeID: try r.decode(column: "reference", as: String?.self) ?? r.decode(column: "id", as: String.self),
                    changeAmount: Units.text(try r.decode(column: "amount", as: Int64.self)),
                    balanceAfterChange: Units.text(try r.decode(column: "after", as: Int64.self)),
                    revenueExpenseType: Self.ledgerKinds[kind]!.direction, billCycle: BillingStore.cycle(at), accountName: caller.domainName,
                    cloudServiceTypeName: kind == "COUPON_PAY" ? try r.decode(column: "service_name", as: String?.self) : nil, resourceTypeName: nil)
            })
        }
    }
}
