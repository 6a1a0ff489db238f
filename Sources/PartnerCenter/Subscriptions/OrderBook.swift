import Foundation
import SQLKit

/// The order book: the one writer of `orders`, `order_items`, `order_resources` (which
/// orders name a resource), `order_coupons` (which coupons paid an order) and `order_refunds`. An order is written whole
/// when it is placed, and changes state only here (paid, cancelled), in the caller's
/// transaction, together with the money and resources that state change moves.
///
/// Invariants, asserted where an order is written:
/// - the header's official price and discount are the sums of its lines';
/// - a line's discount never exceeds its official price, and its coupons never exceed
///   what is left after the discount;
/// - a paid order's amount after discount is paid in full: vouchers + cash coupons + cash +
///   credit.
enum OrderBook {
    /// Order statuses as Huawei's APIs show them.
    enum Status: Int { case pendingRefund = 2, processing = 3, cancelled = 4, completed = 5, pendingPayment = 6 }
    /// Order types.
    enum Kind: Int { case newPurchase = 1, renewal = 2, unsubscription = 4, toOnDemand = 10 }

    /// One line: a product for some periods, and the resources it makes or extends.
    struct Line: Sendable {
        var id: String = Identifiers.domainID()
        var seq: Int
        var resourceIDs: [String]
        var serviceType: String
        var resourceType: String
        var spec: String
        var region: String
        var productID: String
        var periodType: Int
        var periodNum: Int
        var subscriptions: Int
        var size: Int?
        var sizeMeasureID: Int?
        var effectiveAt: Int64
        var expiresAt: Int64
        /// Ledger units.
        var official: Int64
        var discount: Int64
        var voucher: Int64 = 0
        var cashCoupon: Int64 = 0

        var due: Int64 { official - discount }
    }

    struct Header: Sendable {
        var id: String
        var customerID: String
        var partnerID: String
        var kind: Kind
        var status: Status
        /// 1 the customer (console), 8 the system.
        var source: Int
        var userName: String
        var serviceType: String
        var discountID: String?
        var createdAt: Int64
        var payDeadline: Int64?
    }

    static func place(_ db: any SQLDatabase, _ h: Header, _ lines: [Line]) async throws {
        precondition(!lines.isEmpty, "an order has at least one line")
        for l in lines {
            precondition(l.discount >= 0 && l.discount <= l.official, "a line's discount lies within its official price")
            precondition(l.voucher + l.cashCoupon <= l.due, "a line's coupons cover at most what it costs after the discount")
            precondition(l.resourceIDs.count == l.subscriptions, "a line names one resource per subscription")
        }
        let official = lines.reduce(0) { $0 + $1.official }, discount = lines.reduce(0) { $0 + $1.discount }
        try await db.raw("""
            INSERT INTO orders (id, customer_id, partner_id, order_type, status, source_type, user_name, service_type, official, discount, discount_id,
                                voucher, cash_coupon, cash, credit, created_at, pay_deadline, paid_at, cancelled_at, updated_at)
            VALUES (\(bind: h.id), \(bind: h.customerID), \(bind: h.partnerID), \(bind: h.kind.rawValue), \(bind: h.status.rawValue), \(bind: h.source),
                    \(bind: h.userName), \(bind: h.serviceType), \(bind: official), \(bind: discount), \(bind: h.discountID), 0, 0, 0, 0,
                    \(bind: h.createdAt), \(bind: h.payDeadline), NULL, NULL, \(bind: h.createdAt))
            """).run()
        for l in lines {
            for rid in l.resourceIDs {
                try await db.raw("INSERT INTO order_resources (order_id, resource_id) VALUES (\(bind: h.id), \(bind: rid)) ON CONFLICT DO NOTHING").run()
            }
            try await db.raw("""
                INSERT INTO order_items (id, order_id, seq, resource_ids, service_type, resource_type, resource_spec, region, product_id, period_type,
                                         period_num, subscription_num, spec_size, spec_size_measure_id, effective_at, expires_at, official, discount,
                                         voucher, cash_coupon)
                VALUES (\(bind: l.id), \(bind: h.id), \(bind: l.seq), \(bind: l.resourceIDs.joined(separator: ",")), \(bind: l.serviceType),
                        \(bind: l.resourceType), \(bind: l.spec), \(bind: l.region), \(bind: l.productID), \(bind: l.periodType), \(bind: l.periodNum),
                        \(bind: l.subscriptions), \(bind: l.size), \(bind: l.sizeMeasureID), \(bind: l.effectiveAt), \(bind: l.expiresAt),
                        \(bind: l.official), \(bind: l.discount), \(bind: l.voucher), \(bind: l.cashCoupon))
                """).run()
        }
    }

    /// An order placed and paid in one step, with no coupons (the auto-renewal sweep).
    struct PaidOrder: Sendable {
        var header: Header
        var lines: [Line]
        var cash: Int64
        var credit: Int64
    }

    static let orderColumns = ["id", "customer_id", "partner_id", "order_type", "status", "source_type", "user_name", "service_type", "official",
                               "discount", "discount_id", "voucher", "cash_coupon", "cash", "credit", "created_at", "pay_deadline", "paid_at",
                               "cancelled_at", "updated_at"]
    static let itemColumns = ["id", "order_id", "seq", "resource_ids", "service_type", "resource_type", "resource_spec", "region", "product_id",
                              "period_type", "period_num", "subscription_num", "spec_size", "spec_size_measure_id", "effective_at", "expires_at",
                              "official", "discount", "voucher", "cash_coupon"]

    /// Writes orders that are placed and paid at once (status completed, paid at creation),
    /// many to a statement: the rows `place` and `markPaid` together leave, under the same
    /// invariants.
    static func placePaid(_ db: any SQLDatabase, _ orders: [PaidOrder]) async throws {
        var headers = BulkInsert("orders", columns: orderColumns)
        var items = BulkInsert("order_items", columns: itemColumns)
        var links = BulkInsert("order_resources", columns: ["order_id", "resource_id"])
        for o in orders {
            let h = o.header
            precondition(!o.lines.isEmpty && h.status == .completed && h.payDeadline != nil, "a paid order has lines and was payable")
            for l in o.lines {
                precondition(l.discount >= 0 && l.discount <= l.official, "a line's discount lies within its official price")
                precondition(l.voucher == 0 && l.cashCoupon == 0, "an order paid without coupons has no coupon amounts")
                precondition(l.resourceIDs.count == l.subscriptions, "a line names one resource per subscription")
            }
            let official = o.lines.reduce(0) { $0 + $1.official }, discount = o.lines.reduce(0) { $0 + $1.discount }
            precondition(o.cash >= 0 && o.credit >= 0 && o.cash + o.credit == official - discount, "a paid order's amount after discount is paid in full")
            try await headers.add(db, [.text(h.id), .text(h.customerID), .text(h.partnerID), .int(Int64(h.kind.rawValue)), .int(Int64(h.status.rawValue)),
                                       .int(Int64(h.source)), .text(h.userName), .text(h.serviceType), .int(official), .int(discount), .text(h.discountID),
                                       .int(0), .int(0), .int(o.cash), .int(o.credit), .int(h.createdAt), .int(h.payDeadline), .int(h.createdAt), .int(nil),
                                       .int(h.createdAt)])
        }
        // Headers first: items and links refer to them.
        try await headers.flush(db)
        for o in orders {
            let h = o.header
            for l in o.lines {
                for rid in l.resourceIDs { try await links.add(db, [.text(h.id), .text(rid)]) }
                try await items.add(db, [.text(l.id), .text(h.id), .int(Int64(l.seq)), .text(l.resourceIDs.joined(separator: ",")), .text(l.serviceType),
                                         .text(l.resourceType), .text(l.spec), .text(l.region), .text(l.productID), .int(Int64(l.periodType)),
                                         .int(Int64(l.periodNum)), .int(Int64(l.subscriptions)), .int(l.size.map(Int64.init)),
                                         .int(l.sizeMeasureID.map(Int64.init)), .int(l.effectiveAt), .int(l.expiresAt), .int(l.official), .int(l.discount),
                                         .int(0), .int(0)])
            }
        }
        try await items.flush(db)
        try await links.flush(db)
    }

    /// A coupon's part in paying an order (or, coming back, in a refund).
    struct CouponUse: Sendable, Equatable {
        var couponID: String
        var account: String
        /// 301 voucher, 302 cash coupon.
        var wireType: Int
        /// Ledger units.
        var units: Int64

        /// What the uses of one coupon type add up to.
        static func units(_ uses: [CouponUse], wireType: Int) -> Int64 { uses.filter { $0.wireType == wireType }.reduce(0) { $0 + $1.units } }
    }

    /// Records a payment: the discount chosen, the lines as paid (their periods now start at
    /// payment), the coupons used in the order they were taken, and how the amount after
    /// discount was paid.
    static func markPaid(_ db: any SQLDatabase, orderID: String, discountID: String?, lines: [Line], coupons: [CouponUse], cash: Int64, credit: Int64,
                         at now: Int64) async throws {
        for l in lines {
            precondition(l.discount >= 0 && l.discount <= l.official, "a line's discount lies within its official price")
            precondition(l.voucher >= 0 && l.cashCoupon >= 0 && l.voucher + l.cashCoupon <= l.due, "a line's coupons cover at most what it costs")
        }
        let due = lines.reduce(0) { $0 + $1.due }
        let voucher = lines.reduce(0) { $0 + $1.voucher }, cashCoupon = lines.reduce(0) { $0 + $1.cashCoupon }
        precondition(cash >= 0 && credit >= 0 && voucher + cashCoupon + cash + credit == due, "a paid order's amount after discount is paid in full")
        precondition(CouponUse.units(coupons, wireType: 301) == voucher && CouponUse.units(coupons, wireType: 302) == cashCoupon,
                     "the coupons used add up to the lines' coupon amounts")
        for (seq, c) in coupons.enumerated() {
            precondition(c.units > 0, "a coupon used pays something")
            try await db.raw("""
                INSERT INTO order_coupons (order_id, seq, coupon_id, ledger_account, coupon_type, units, returned)
                VALUES (\(bind: orderID), \(bind: seq), \(bind: c.couponID), \(bind: c.account), \(bind: c.wireType), \(bind: c.units), 0)
                """).run()
        }
        for l in lines {
            try await db.raw("""
                UPDATE order_items SET effective_at = \(bind: l.effectiveAt), expires_at = \(bind: l.expiresAt), discount = \(bind: l.discount),
                    voucher = \(bind: l.voucher), cash_coupon = \(bind: l.cashCoupon) WHERE id = \(bind: l.id)
                """).run()
        }
        try await db.raw("""
            UPDATE orders SET status = \(bind: Status.completed.rawValue), discount = \(bind: lines.reduce(0) { $0 + $1.discount }),
                discount_id = \(bind: discountID), voucher = \(bind: voucher), cash_coupon = \(bind: cashCoupon), cash = \(bind: cash),
                credit = \(bind: credit), paid_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: orderID) AND status = \(bind: Status.pendingPayment.rawValue)
            """).run()
    }

    /// One row of where a refund comes from (ShowRefundOrderDetails).
    struct RefundPart: Sendable {
        var baseOrderID: String
        var serviceType: String
        var resourceType: String
        var region: String
        /// Negative: paid back; positive: consumed or charged as a fee.
        var amount: Int64
    }

    /// An unsubscription order, placed completed (its refund is booked in the same
    /// transaction): one line per resource with what it returns, and the refund's parts.
    static func placeRefund(_ db: any SQLDatabase, _ h: Header, lines: [Line], consumed: Int64, parts: [RefundPart], cash: Int64, credit: Int64,
                            fiveDay: Bool) async throws {
        precondition((h.kind == .unsubscription || h.kind == .toOnDemand) && h.status == .completed, "a refund order is an unsubscription or a switch, booked at once")
        let refund = lines.reduce(0) { $0 + $1.official }
        let voucher = lines.reduce(0) { $0 + $1.voucher }, cashCoupon = lines.reduce(0) { $0 + $1.cashCoupon }
        precondition(lines.allSatisfy { $0.discount == 0 && $0.official >= 0 }, "a refund line returns what it says")
        precondition(cash + credit + voucher + cashCoupon == refund, "a refund is paid back in full, to cash, credit and the coupons that paid it")
        precondition(parts.reduce(0) { $0 + $1.amount } == -refund, "the refund's parts sum to minus the refund")
        try await place(db, h, lines)
        try await db.raw("""
            UPDATE orders SET consumed = \(bind: consumed), cash = \(bind: cash), credit = \(bind: credit), voucher = \(bind: voucher),
                cash_coupon = \(bind: cashCoupon), paid_at = \(bind: h.createdAt),
                five_day_refund = \(bind: fiveDay ? 1 : 0)
            WHERE id = \(bind: h.id)
            """).run()
        for p in parts {
            try await db.raw("""
                INSERT INTO order_refunds (id, order_id, base_order_id, customer_id, service_type, resource_type, region, amount)
                VALUES (\(bind: Identifiers.domainID()), \(bind: h.id), \(bind: p.baseOrderID), \(bind: h.customerID), \(bind: p.serviceType),
                        \(bind: p.resourceType), \(bind: p.region), \(bind: p.amount))
                """).run()
        }
    }

    /// What of an order's coupons has not come back yet, in ledger units.
    static func couponsLeft(_ db: any SQLDatabase, orderID: String) async throws -> Int64 {
        try await db.raw("SELECT CAST(COALESCE(SUM(units - returned), 0) AS BIGINT) AS n FROM order_coupons WHERE order_id = \(bind: orderID)").first()!
            .decode(column: "n", as: Int64.self)
    }

    /// Gives `units` of an order's coupons back, the first used first, each at most what it
    /// paid; the caller moves the money (a ledger transfer per use returned).
    static func takeBackCoupons(_ db: any SQLDatabase, backend: Database.Backend, orderID: String, units: Int64) async throws -> [CouponUse] {
        precondition(units > 0, "a coupon return returns something")
        let rows = try await db.raw("""
            SELECT seq, coupon_id, ledger_account, coupon_type, units, returned FROM order_coupons
            WHERE order_id = \(bind: orderID) AND returned < units ORDER BY seq\(backend.forUpdate)
            """).all()
        var left = units
        var back: [CouponUse] = []
        for r in rows where left > 0 {
            let take = min(left, try r.decode(column: "units", as: Int64.self) - r.decode(column: "returned", as: Int64.self))
            try await db.raw("UPDATE order_coupons SET returned = returned + \(bind: take) WHERE order_id = \(bind: orderID) AND seq = \(bind: try r.decode(column: "seq", as: Int.self))").run()
            back.append(CouponUse(couponID: try r.decode(column: "coupon_id", as: String.self), account: try r.decode(column: "ledger_account", as: String.self),
                                  wireType: try r.decode(column: "coupon_type", as: Int.self), units: take))
            left -= take
        }
        precondition(left == 0, "an order's coupons come back at most as far as they paid")
        return back
    }

    static func markCancelled(_ db: any SQLDatabase, orderID: String, at now: Int64) async throws {
        try await db.raw("""
            UPDATE orders SET status = \(bind: Status.cancelled.rawValue), cancelled_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: orderID) AND status = \(bind: Status.pendingPayment.rawValue)
            """).run()
    }

    /// The status as of `now`: a pending order past its payment deadline reads as cancelled
    /// (nothing was paid and nothing reserved, so the expiry needs no write).
    static func status(now: Int64) -> SQLQueryString {
        "(CASE WHEN o.status = \(bind: Status.pendingPayment.rawValue) AND o.pay_deadline <= \(bind: now) THEN \(bind: Status.cancelled.rawValue) ELSE o.status END)"
    }
}
