import Foundation
import SQLKit

extension OrderStore {
    /// Most five-day full refunds one customer gets in a calendar year.
    public static let fiveDayRefundsPerYear = 10
    static let fiveDays: Int64 = 5 * WireTime.dayMillis

    /// What a resource paid that it still holds: its purchase and renewal fees whose period
    /// starts before its current expiry (a period already refunded lies past it).
    struct HeldFee {
        var baseOrderID: String
        var begin: Int64
        var end: Int64
        /// Cash and credit paid.
        var cash: Int64
        var credit: Int64
        /// Paid by coupons: they come back only for a period that has not begun.
        var coupon: Int64
        var paid: Int64 { cash + credit }
    }

    static func heldFees(_ db: any SQLDatabase, resourceID: String, expiresAt: Int64) async throws -> [HeldFee] {
        try await db.raw("""
            SELECT trade_id, consume_begin, consume_end, cash, credit, coupon FROM fee_records
            WHERE resource_id = \(bind: resourceID) AND bill_type IN (1, 2) AND consume_begin < \(bind: expiresAt) ORDER BY consume_begin
            """).all().map {
                HeldFee(baseOrderID: try $0.decode(column: "trade_id", as: String.self), begin: try $0.decode(column: "consume_begin", as: Int64.self),
                        end: try $0.decode(column: "consume_end", as: Int64.self), cash: try $0.decode(column: "cash", as: Int64.self),
                        credit: try $0.decode(column: "credit", as: Int64.self), coupon: try $0.decode(column: "coupon", as: Int64.self))
            }
    }

    /// One resource's refund: per held fee, the money returned and the value consumed.
    struct ResourceRefund {
        var resourceID: String
        var row: any SQLRow
        var cash: Int64 = 0
        var credit: Int64 = 0
        var consumed: Int64 = 0
        var parts: [OrderBook.RefundPart] = []
        /// Coupon money coming back, per original order (periods not begun only).
        var coupons: [(baseOrderID: String, units: Int64)] = []
        /// For renewals only (type 2): where the resource's expiry falls back to.
        var newExpiry: Int64?
        /// Money back to cash and credit.
        var refund: Int64 { cash + credit }
        /// Everything returned: money and coupons.
        var returned: Int64 { refund + coupons.reduce(0) { $0 + $1.units } }
    }

    /// The refund rule. Type 1: the period in effect returns its unused share (to the fen,
    /// truncated: never more than was paid), later periods return in full; within five days
    /// of provisioning (while the year's quota lasts) everything paid returns. Type 2: only
    /// periods not begun return, in full. Money goes back where it came from: cash to cash,
    /// credit to credit, the share split alike; no handling fee. Coupons come back only with a
    /// period that has not begun (for an order paid before coupons were recorded per order,
    /// only as far as the record goes).
    static func refund(_ db: any SQLDatabase, row: any SQLRow, whole: Bool, fiveDay: Bool, now: Int64) async throws -> ResourceRefund? {
        let rid = try row.decode(column: "resource_id", as: String.self)
        let expires = try row.decode(column: "expires_at", as: Int64.self)
        var out = ResourceRefund(resourceID: rid, row: row)
        let service = try row.decode(column: "service_type", as: String.self), rtype = try row.decode(column: "resource_type", as: String.self)
        let region = try row.decode(column: "region", as: String.self)
        var currentEnd = now
        for f in try await heldFees(db, resourceID: rid, expiresAt: expires) {
            let couponBack = f.begin > now && f.coupon > 0 ? min(f.coupon, try await OrderBook.couponsLeft(db, orderID: f.baseOrderID)) : 0
            var back: (cash: Int64, credit: Int64)
            if fiveDay && whole {
                back = (f.cash, f.credit)
            } else if f.begin > now {
                back = (f.cash, f.credit)
            } else if whole && f.end > now {
                let share = Decimal(f.end - now) / Decimal(f.end - f.begin)
                // Unused value of the period in effect, truncated to the fen.
                let cash = try Units.from(Money.truncated(Units.decimal(f.cash) * share, scale: 2))
                let credit = try Units.from(Money.truncated(Units.decimal(f.credit) * share, scale: 2))
                back = (min(cash, f.cash), min(credit, f.credit))
                currentEnd = max(currentEnd, f.end)
            } else {
                currentEnd = max(currentEnd, f.end)
                continue
            }
            guard f.paid + couponBack > 0 else { continue }
            out.cash += back.cash
            out.credit += back.credit
            if couponBack > 0 { out.coupons.append((f.baseOrderID, couponBack)) }
            let consumed = f.paid - back.cash - back.credit
            out.consumed += consumed
            out.parts.append(.init(baseOrderID: f.baseOrderID, serviceType: service, resourceType: rtype, region: region, amount: -f.paid - couponBack))
            if consumed > 0 { out.parts.append(.init(baseOrderID: f.baseOrderID, serviceType: service, resourceType: rtype, region: region, amount: consumed)) }
        }
        if !whole {
            guard !out.parts.isEmpty else { return nil }
            out.newExpiry = currentEnd
        }
        return out
    }

    /// CancelResourcesSubscription: one unsubscription order (type 4) for the groups named,
    /// refunded at once; a group that cannot be is reported, and when none can, its reason
    /// is the answer.
    public func unsubscribe(caller: Principal, _ u: Unsubscription) async throws -> RenewalResponse {
        let backend = database.backend
        return try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            guard let c = try await db.raw("SELECT c.partner_id, a.name FROM customers c JOIN accounts a ON a.id = c.id WHERE c.id = \(bind: caller.domainID)").first() else {
                throw Self.unknownResource
            }
            let partner = try c.decode(column: "partner_id", as: String.self)
            let year = String(WireTime.utc(now + WireTime.beijingOffset).prefix(4))
            let yearStart = WireTime.parseUTC(year + "-01-01T00:00:00Z")! - WireTime.beijingOffset
            var fiveDayLeft = Self.fiveDayRefundsPerYear - (try await db.raw("""
                SELECT COUNT(*) AS n FROM orders WHERE customer_id = \(bind: caller.domainID) AND order_type = 4 AND five_day_refund = 1
                  AND created_at >= \(bind: yearStart)
                """).first()!.decode(column: "n", as: Int.self))
            var refunds: [ResourceRefund] = []
            var refusals: [(String, Refusal)] = []
            var seen = Set<String>()
            var usedFiveDay = false
            for id in u.resourceIDs {
                guard let (main, ids) = try await Self.group(db, backend: backend, customerID: caller.domainID, resourceID: id) else {
                    refusals.append((id, Self.unknownResource)); continue
                }
                let mainID = try main.decode(column: "resource_id", as: String.self)
                guard seen.insert(mainID).inserted else { continue }
                guard try main.decode(column: "status", as: Int.self) != 4 else {
                    refusals.append((id, Refusal(.resourceFrozen, "The resource is frozen; it cannot be unsubscribed."))); continue
                }
                var blocked = false
                for rid in ids where try await Self.inPendingOrder(db, resourceID: rid, now: now) { blocked = true }
                if blocked {
                    refusals.append((id, Refusal(.resourceInPendingOrder, "The resource is in a pending-payment order; pay or cancel that order first."))); continue
                }
                let rows = try await db.raw("SELECT * FROM customer_resources WHERE resource_id IN (\(binds: ids)) ORDER BY is_main DESC, resource_id").all()
                let provisioned = try main.decode(column: "effective_at", as: Int64.self)
                let fiveDay = u.wholeResource && fiveDayLeft > 0 && now - provisioned < Self.fiveDays
                var group: [ResourceRefund] = []
                for row in rows {
                    // A whole unsubscription always answers; renewals only, where one has not begun.
                    if let r = try await Self.refund(db, row: row, whole: u.wholeResource, fiveDay: fiveDay, now: now) { group.append(r) }
                }
                if group.isEmpty {
                    refusals.append((id, Refusal(.noRenewalToUnsubscribe, "There is no renewal period not yet in effect to unsubscribe."))); continue
                }
                if fiveDay && group.contains(where: { $0.refund > 0 }) { fiveDayLeft -= 1; usedFiveDay = true }
                refunds += group
            }
            guard !refunds.isEmpty else { throw refusals[0].1 }

            let id = try await Self.bookRefund(db, backend: backend, customerID: caller.domainID, partner: partner,
                                               userName: try c.decode(column: "name", as: String.self), kind: .unsubscription,
                                               refunds: refunds, fiveDay: usedFiveDay, now: now)
            return RenewalResponse(orderIDs: [id], failResourceInfos: refusals.map { FailResourceInfo(errorCode: $0.1.rule.wire.code, errorMsg: $0.1.message, resourceID: $0.0) })
        }
    }

    /// Books a refund order (an unsubscription, or a switch to pay-per-use): the money back
    /// from the platform's revenue (cash to cash, credit to credit, coupons to the coupons that
    /// paid), a negative fee (bill type 4) per resource, the resources' new state, and the
    /// order with where its refund came from.
    static func bookRefund(_ db: any SQLDatabase, backend: Database.Backend, customerID: String, partner: String, userName: String,
                           kind: OrderBook.Kind, refunds: [ResourceRefund], fiveDay: Bool, now: Int64) async throws -> String {
        let revenue = try await Ledger.ensure(db, owner: nil, type: .revenue)
        let id = Self.orderID(now: now)
        let cash = refunds.reduce(0) { $0 + $1.cash }, credit = refunds.reduce(0) { $0 + $1.credit }
        // The coupons each resource's periods not begun used, taken back from their orders.
        var couponsBack: [[OrderBook.CouponUse]] = []
        for r in refunds {
            var uses: [OrderBook.CouponUse] = []
            for (base, units) in r.coupons { uses += try await OrderBook.takeBackCoupons(db, backend: backend, orderID: base, units: units) }
            couponsBack.append(uses)
        }
        let cashAccount = try await Ledger.ensure(db, owner: customerID, type: .cash)
        let creditAccount = credit > 0 ? try await Ledger.ensure(db, owner: customerID, type: .credit) : nil
        // Every account this refund touches is locked first, in id order, as payments lock them.
        for account in Set([revenue, cashAccount] + (creditAccount.map { [$0] } ?? []) + couponsBack.flatMap { $0.map(\.account) }).sorted() {
            _ = try await Ledger.lockedBalance(db, backend: backend, account)
        }
        if cash > 0 {
            _ = try await Ledger.post(db, backend: backend, .init(kind: "REFUND", from: revenue, to: cashAccount,
                                                                  units: cash, partnerID: partner, counterpartyID: customerID, idPrefix: "RF", reference: id))
        }
        if let creditAccount {
            _ = try await Ledger.post(db, backend: backend, .init(kind: "REFUND", from: revenue, to: creditAccount,
                                                                  units: credit, partnerID: partner, counterpartyID: customerID, idPrefix: "RF", reference: id))
        }
        for use in couponsBack.joined() {
            _ = try await Ledger.post(db, backend: backend, .init(kind: "COUPON_REFUND", from: revenue, to: use.account, units: use.units,
                                                                  partnerID: partner, counterpartyID: customerID, idPrefix: "CF", reference: id))
        }
        try await CouponStore.markReturned(db, Array(Set(couponsBack.joined().map(\.couponID))).sorted(), at: now)
        let fees = FeeBook()
        var lines: [OrderBook.Line] = []
        for (r, coupons) in zip(refunds, couponsBack) {
            let row = r.row
            let expires = try row.decode(column: "expires_at", as: Int64.self)
            let voucher = OrderBook.CouponUse.units(coupons, wireType: 301), cashCoupon = OrderBook.CouponUse.units(coupons, wireType: 302)
            assert(voucher + cashCoupon == r.returned - r.refund, "every coupon unit claimed came back")
            lines.append(OrderBook.Line(
                seq: lines.count, resourceIDs: [r.resourceID], serviceType: try row.decode(column: "service_type", as: String.self),
                resourceType: try row.decode(column: "resource_type", as: String.self), spec: try row.decode(column: "resource_spec", as: String.self),
                region: try row.decode(column: "region", as: String.self), productID: try row.decode(column: "product_id", as: String.self),
                periodType: try row.decode(column: "period_type", as: Int?.self) ?? 2, periodNum: 0, subscriptions: 1,
                size: try row.decode(column: "spec_size", as: Int?.self), sizeMeasureID: try row.decode(column: "spec_size_measure_id", as: Int?.self),
                effectiveAt: r.newExpiry ?? now, expiresAt: expires, official: r.returned, discount: 0, voucher: voucher, cashCoupon: cashCoupon))
            if r.returned > 0 {
                try await fees.add(db, FeeBook.Fee(
                    id: "FE" + Identifiers.domainID().prefix(24), customerID: customerID, partnerID: partner, cycle: BillingStore.cycle(now),
                    serviceType: lines.last!.serviceType, resourceType: lines.last!.resourceType, region: lines.last!.region, resourceID: r.resourceID,
                    resourceName: try row.decode(column: "resource_name", as: String.self), resourceSpec: lines.last!.spec, productID: lines.last!.productID,
                    chargingMode: 1, billType: 4, begin: r.newExpiry ?? now, end: expires, tradeTime: now, tradeID: id,
                    official: -r.returned, discount: 0, consume: -r.returned, cash: -r.cash, credit: -r.credit, coupon: -(voucher + cashCoupon), debt: 0))
            }
            switch kind {
            case .toOnDemand:
                // Billed by usage from now on; its packages end with the yearly/monthly term.
                try await ResourceBook.convertToOnDemand(db, resourceIDs: [r.resourceID], now: now)
                try await BillingStore.endPackages(db, ofResource: r.resourceID)
            default:
                if let back = r.newExpiry {
                    try await ResourceBook.extend(db, resourceID: r.resourceID, expiresAt: back, periodType: lines.last!.periodType, now: now)
                } else {
                    try await ResourceBook.close(db, resourceID: r.resourceID, now: now)
                    try await BillingStore.endPackages(db, ofResource: r.resourceID)
                }
            }
        }
        try await fees.finish(db)
        try await OrderBook.placeRefund(db, OrderBook.Header(
            id: id, customerID: customerID, partnerID: partner, kind: kind, status: .completed, source: 1, userName: userName,
            serviceType: lines[0].serviceType, discountID: nil, createdAt: now, payDeadline: nil),
            lines: lines, consumed: refunds.reduce(0) { $0 + $1.consumed }, parts: refunds.flatMap(\.parts), cash: cash, credit: credit,
            fiveDay: fiveDay)
        return id
    }

    /// UpdatePeriodToOnDemandInstantly: each resource's group is billed by usage from now; a
    /// type-10 order per resource refunds what is left of its term (the unsubscription rule,
    /// without the five-day one). Failures are reported per resource.
    public func toOnDemandNow(caller: Principal, _ r: ToOnDemandNow) async throws -> ToOnDemandResults {
        let backend = database.backend
        var results: [ToOnDemandResults.Result] = []
        for id in r.resourceIDs {
            do {
                let order: String = try await database.transaction { db in
                    let now = try await BusinessClock.now(db)
                    guard let c = try await db.raw("SELECT c.partner_id, a.name FROM customers c JOIN accounts a ON a.id = c.id WHERE c.id = \(bind: caller.domainID)").first(),
                          let (main, ids) = try await Self.group(db, backend: backend, customerID: caller.domainID, resourceID: id) else {
                        throw Self.unknownResource
                    }
                    guard try main.decode(column: "status", as: Int.self) == 2, (try main.decode(column: "expires_at", as: Int64?.self) ?? 0) > now else {
                        throw Refusal(.inGraceOrRetention, "Resources in the grace or retention period cannot switch to pay-per-use.")
                    }
                    for rid in ids where try await Self.inPendingOrder(db, resourceID: rid, now: now) {
                        throw Refusal(.resourceInPendingOrder, "The resource is in a pending-payment order; pay or cancel that order first.")
                    }
                    let rows = try await db.raw("SELECT * FROM customer_resources WHERE resource_id IN (\(binds: ids)) ORDER BY is_main DESC, resource_id").all()
                    var refunds: [ResourceRefund] = []
                    for row in rows {
                        if let refund = try await Self.refund(db, row: row, whole: true, fiveDay: false, now: now) { refunds.append(refund) }
                    }
                    return try await Self.bookRefund(db, backend: backend, customerID: caller.domainID, partner: try c.decode(column: "partner_id", as: String.self),
                                                     userName: try c.decode(column: "name", as: String.self), kind: .toOnDemand, refunds: refunds,
                                                     fiveDay: false, now: now)
                }
                results.append(.init(resourceID: id, result: "SUCCESS", errorCode: nil, errorMsg: nil, orderID: order))
            } catch let e as Refusal {
                results.append(.init(resourceID: id, result: "FAIL", errorCode: e.rule.wire.code, errorMsg: e.message, orderID: nil))
            }
        }
        return ToOnDemandResults(toOndemandServiceResults: results)
    }

    /// ShowRefundOrderDetails: where an unsubscription order's refund came from.
    public func refundDetails(caller: Principal, _ q: RefundOrderQuery) async throws -> RefundInfoList {
        let now = try await database.businessNow()
        return try await database.read { db in
            var scope = try await Self.scope(db, caller: caller, indirectPartnerID: q.indirectPartnerID)
            if caller.kind != .customer, let c = q.customerID { scope += " AND o.customer_id = \(bind: c)" }
            guard let r = try await db.raw("\(Self.headerSelect(now: now)) WHERE o.id = \(bind: q.orderID) AND \(scope)").first() else { throw Self.notFound }
            guard [OrderBook.Kind.unsubscription.rawValue, OrderBook.Kind.toOnDemand.rawValue].contains(try r.decode(column: "order_type", as: Int.self)) else {
                throw Refusal(.notARefundOrder, "The order is not an unsubscription or downgrade order.")
            }
            let rows = try await db.raw("""
                SELECT f.*, rt.name_zh AS rname, st.name_zh AS sname FROM order_refunds f
                LEFT JOIN catalog_resource_types rt ON rt.code = f.resource_type LEFT JOIN catalog_service_types st ON st.code = f.service_type
                WHERE f.order_id = \(bind: q.orderID) ORDER BY f.base_order_id, f.amount
                """).all()
            return RefundInfoList(totalCount: rows.count, refundInfos: try rows.map {
                RefundInfo(id: try $0.decode(column: "id", as: String.self), amount: Units.decimal(try $0.decode(column: "amount", as: Int64.self)),
                           measureID: "1", customerID: try $0.decode(column: "customer_id", as: String.self),
                           resourceTypeCode: try $0.decode(column: "resource_type", as: String.self), serviceTypeCode: try $0.decode(column: "service_type", as: String.self),
                           resourceTypeName: try $0.decode(column: "rname", as: String?.self), serviceTypeName: try $0.decode(column: "sname", as: String?.self),
                           regionCode: try $0.decode(column: "region", as: String.self), baseOrderID: try $0.decode(column: "base_order_id", as: String.self))
            })
        }
    }
}
