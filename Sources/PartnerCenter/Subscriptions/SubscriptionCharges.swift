import Foundation
import SQLKit

/// What subscriptions cost. A yearly/monthly resource is charged when it is bought or renewed
/// (bill types 1 and 2, charging mode 1) at the period price with the customer's discount,
/// paid in Huawei's order, and refunded for the unused part when unsubscribed (bill type 4,
/// negative amounts), each at that moment on the business clock. Fees go through the fee
/// book and money through the ledger, in the caller's transaction.
enum SubscriptionCharges {
    static func charge(_ db: any SQLDatabase, backend: Database.Backend, resourceID: String, billType: Int,
                                   periodType: Int, periodNum: Int, periodStart: Int64, periodEnd: Int64, now: Int64) async throws {
        let r = try await db.raw("SELECT * FROM customer_resources WHERE resource_id = \(bind: resourceID)").first()!
        let customer = try r.decode(column: "customer_id", as: String.self)
        let service = try r.decode(column: "service_type", as: String.self)
        let c = RatedProduct(id: resourceID, service: service, resource: try r.decode(column: "resource_type", as: String.self),
                                   spec: try r.decode(column: "resource_spec", as: String.self), region: try r.decode(column: "region", as: String.self),
                                   size: try r.decode(column: "spec_size", as: Int?.self), sizeMeasure: try r.decode(column: "spec_size_measure_id", as: Int?.self),
                                   subscriptions: 1)
        let line = try await RatingStore.periodLine(db, id: resourceID, c: c, periodType: periodType, periodNum: periodNum, field: "period", at: now)
        let rate = try await DiscountStore.active(db, customerID: customer, at: now).filter { $0.serviceType == service }.map(\.rate).min()
        let official = try Units.from(line.official)
        // A subscription charge is a yearly/monthly amount: discounted to the fen, half-up.
        let consume = try Units.from(Money.roundedHalfUp(line.official * (rate ?? 1), scale: 2))
        let partner = try await db.raw("SELECT partner_id FROM customers WHERE id = \(bind: customer)").first()!.decode(column: "partner_id", as: String.self)
        let payments = Payments(backend: backend, now: now)
        let (coupon, cash, debt) = try await payments.pay(db, customerID: customer, partner: partner, service: service, amount: consume)
        try await payments.finish(db)
        try await insertFee(db, row: r, customer: customer, partner: partner, productID: line.productID, chargingMode: 1, billType: billType,
                            begin: periodStart, end: periodEnd, now: now, official: official, discount: official - consume, consume: consume,
                            cash: cash, coupon: coupon, debt: debt)
    }

    /// Refunds the unused share of what a subscription's purchase and renewals cost.
    static func refund(_ db: any SQLDatabase, backend: Database.Backend, resourceID: String, now: Int64) async throws -> Int64 {
        let r = try await db.raw("SELECT * FROM customer_resources WHERE resource_id = \(bind: resourceID)").first()!
        let customer = try r.decode(column: "customer_id", as: String.self)
        let start = try r.decode(column: "effective_at", as: Int64.self)
        let expires = try r.decode(column: "expires_at", as: Int64?.self) ?? now
        let paid = try await db.raw("""
            SELECT CAST(COALESCE(SUM(consume), 0) AS BIGINT) AS paid FROM fee_records WHERE resource_id = \(bind: resourceID) AND bill_type IN (1, 2)
            """).first()!.decode(column: "paid", as: Int64.self)
        guard paid > 0, expires > now, expires > start else { return 0 }
        let share = Decimal(expires - now) / Decimal(expires - start)
        // A refund is the unused share to the fen, truncated: never more than was paid for.
        let refund = try Units.from(Money.truncated(Units.decimal(paid) * share, scale: 2))
        guard refund > 0 else { return 0 }
        let partner = try await db.raw("SELECT partner_id FROM customers WHERE id = \(bind: customer)").first()!.decode(column: "partner_id", as: String.self)
        let revenue = try await Ledger.ensure(db, owner: nil, type: .revenue)
        // A refund first settles the customer's arrears; what is left returns to cash.
        let debtAccount = try await Ledger.ensure(db, owner: customer, type: .debt)
        let owed = max(0, -(try await Ledger.lockedBalance(db, backend: backend, debtAccount)))
        let toDebt = min(owed, refund)
        if toDebt > 0 {
            _ = try await Ledger.post(db, backend: backend, .init(kind: "REFUND", from: revenue, to: debtAccount, units: toDebt, partnerID: partner,
                                                                  counterpartyID: customer, idPrefix: "RF"))
        }
        if refund - toDebt > 0 {
            let cashAccount = try await Ledger.ensure(db, owner: customer, type: .cash)
            _ = try await Ledger.post(db, backend: backend, .init(kind: "REFUND", from: revenue, to: cashAccount, units: refund - toDebt, partnerID: partner,
                                                                  counterpartyID: customer, idPrefix: "RF"))
        }
        try await insertFee(db, row: r, customer: customer, partner: partner, productID: try r.decode(column: "product_id", as: String.self),
                            chargingMode: 1, billType: 4, begin: now, end: expires, now: now, official: -refund, discount: 0, consume: -refund,
                            cash: -(refund - toDebt), coupon: 0, debt: -toDebt)
        return refund
    }

    /// A subscription's fee (purchase, renewal or refund), through the fee book: a book of one.
    static func insertFee(_ db: any SQLDatabase, row r: any SQLRow, customer: String, partner: String, productID: String, chargingMode: Int, billType: Int,
                          begin: Int64, end: Int64, now: Int64, official: Int64, discount: Int64, consume: Int64, cash: Int64, coupon: Int64, debt: Int64) async throws {
        let book = FeeBook()
        try await book.add(db, FeeBook.Fee(
            id: "FE" + Identifiers.domainID().prefix(24), customerID: customer, partnerID: partner, cycle: BillingStore.cycle(now),
            serviceType: try r.decode(column: "service_type", as: String.self), resourceType: try r.decode(column: "resource_type", as: String.self),
            region: try r.decode(column: "region", as: String.self), resourceID: try r.decode(column: "resource_id", as: String.self),
            resourceName: try r.decode(column: "resource_name", as: String.self), resourceSpec: try r.decode(column: "resource_spec", as: String.self),
            productID: productID, chargingMode: chargingMode, billType: billType, begin: begin, end: end, tradeTime: now,
            tradeID: "CS" + Identifiers.domainID().prefix(18), official: official, discount: discount, consume: consume, cash: cash,
            coupon: coupon, debt: debt))
        try await book.finish(db)
    }
}

extension SubscriptionCharges {
    /// One resource's share of a paid order line, in ledger units.
    struct Share {
        var consume: Int64, discount: Int64, coupon: Int64, cash: Int64, credit: Int64
        var official: Int64 { consume + discount }
    }

    /// How a paid order's lines split over their resources: the cash and credit paid are
    /// spread over the lines in order, cash first; a line's amount due splits evenly over
    /// its resources (the remainder, in ledger units, on the first), each share then paid
    /// from the line's coupons, cash and credit in that order. Every share's split adds up,
    /// and the shares add up to the order exactly.
    static func shares(_ lines: [OrderBook.Line], cash: Int64, credit: Int64) -> [[Share]] {
        var cashLeft = cash, creditLeft = credit
        let out = lines.map { l -> [Share] in
            let rest = l.due - l.voucher - l.cashCoupon
            let lineCash = min(rest, cashLeft), lineCredit = rest - lineCash
            cashLeft -= lineCash
            creditLeft -= lineCredit
            let n = Int64(l.subscriptions)
            func share(_ total: Int64, _ k: Int) -> Int64 { total / n + (k == 0 ? total % n : 0) }
            var couponPool = l.voucher + l.cashCoupon, cashPool = lineCash, creditPool = lineCredit
            let shares = (0..<l.subscriptions).map { k -> Share in
                let consume = share(l.due, k)
                let coupon = min(couponPool, consume), c = min(cashPool, consume - coupon), cr = consume - coupon - c
                couponPool -= coupon; cashPool -= c; creditPool -= cr
                return Share(consume: consume, discount: share(l.discount, k), coupon: coupon, cash: c, credit: cr)
            }
            precondition(couponPool == 0 && cashPool == 0 && creditPool == 0, "a line's payment is spread over its resources exactly")
            return shares
        }
        precondition(cashLeft == 0 && creditLeft == 0, "the order's cash and credit are spread over its lines exactly")
        return out
    }

    static func orderFee(customer: String, partner: String, orderID: String, line l: OrderBook.Line, resourceID: String, name: String,
                         share s: Share, billType: Int, now: Int64) -> FeeBook.Fee {
        FeeBook.Fee(
            id: "FE" + Identifiers.domainID().prefix(24), customerID: customer, partnerID: partner, cycle: BillingStore.cycle(now),
            serviceType: l.serviceType, resourceType: l.resourceType, region: l.region, resourceID: resourceID, resourceName: name,
            resourceSpec: l.spec, productID: l.productID, chargingMode: 1, billType: billType, begin: l.effectiveAt, end: l.expiresAt,
            tradeTime: now, tradeID: orderID, official: s.official, discount: s.discount, consume: s.consume,
            cash: s.cash, credit: s.credit, coupon: s.coupon, debt: 0)
    }

    /// A paid new-purchase order's lines become resources of the order, each with its fee
    /// record (bill type 1) and, for a package product, its package.
    static func provision(_ db: any SQLDatabase, backend: Database.Backend, orderID: String, customer: String, partner: String,
                          lines: [OrderBook.Line], cash: Int64, credit: Int64, now: Int64) async throws {
        let resources = ResourceBook()
        let fees = FeeBook()
        let split = shares(lines, cash: cash, credit: credit)
        for (l, lineShares) in zip(lines, split) {
            for (rid, share) in zip(l.resourceIDs, lineShares) {
                let name = "\(l.spec)-\(rid.prefix(8))"
                try await resources.add(db, .init(
                    resourceID: rid, customerID: customer, name: name, region: l.region, serviceType: l.serviceType, resourceType: l.resourceType,
                    spec: l.spec, productID: l.productID, chargeMode: "period", periodType: l.periodType, periodNum: l.periodNum,
                    effectiveAt: l.effectiveAt, expiresAt: l.expiresAt, specSize: l.size, specSizeMeasureID: l.size == nil ? nil : l.sizeMeasureID,
                    orderID: orderID, now: now))
                try await fees.add(db, orderFee(customer: customer, partner: partner, orderID: orderID, line: l, resourceID: rid, name: name,
                                                share: share, billType: 1, now: now))
            }
        }
        try await resources.finish(db)
        try await fees.finish(db)
        for l in lines {
            for rid in l.resourceIDs {
                try await BillingStore.openPackage(db, productID: l.productID, resourceID: rid, customer: customer, periods: l.periodNum,
                                                   periodType: l.periodType, start: l.effectiveAt, expires: l.expiresAt, now: now)
            }
        }
    }

    /// A paid renewal order extends its resources to the lines' new expiry, each with its fee
    /// record (bill type 2) and its package topped up.
    static func renew(_ db: any SQLDatabase, backend: Database.Backend, orderID: String, customer: String, partner: String,
                      lines: [OrderBook.Line], cash: Int64, credit: Int64, now: Int64) async throws {
        let fees = FeeBook()
        for (l, lineShares) in zip(lines, shares(lines, cash: cash, credit: credit)) {
            for (rid, share) in zip(l.resourceIDs, lineShares) {
                let name = try await db.raw("SELECT resource_name FROM customer_resources WHERE resource_id = \(bind: rid)").first()?
                    .decode(column: "resource_name", as: String.self) ?? rid
                try await ResourceBook.extend(db, resourceID: rid, expiresAt: l.expiresAt, periodType: l.periodType, now: now)
                try await fees.add(db, orderFee(customer: customer, partner: partner, orderID: orderID, line: l, resourceID: rid, name: name,
                                                share: share, billType: 2, now: now))
                try await BillingStore.renewPackage(db, backend: backend, resourceID: rid, periods: l.periodNum, periodType: l.periodType, expires: l.expiresAt)
            }
        }
        try await fees.finish(db)
    }
}
