import Foundation
import SQLKit

/// What subscriptions cost, as their orders are paid: a paid order's lines become fee
/// records (bill type 1 for a purchase, 2 for a renewal; charging mode 1), spread over the
/// resources they make or extend, with the resources and packages they give. Refunds are
/// the unsubscription orders' (`OrderUnsubscribe`). Fees go through the fee book, in the
/// caller's transaction (the payment's).
enum SubscriptionCharges {}

/// What an operator's provisioning fixes about a resource that a console purchase leaves to
/// the defaults (`admin resource provision`: its id, name, project, main resource,
/// auto-renewal and start: its period runs from the line's placed start, `effective_time`,
/// not from payment).
struct ResourceTraits: Sendable {
    var id: String
    var name: String?
    var projectID: String?
    var parentResourceID: String?
    var autoRenew: Bool
    var deductionDays: Int
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
                          lines: [OrderBook.Line], cash: Int64, credit: Int64, traits: [String: ResourceTraits] = [:], now: Int64) async throws {
        let resources = ResourceBook()
        let fees = FeeBook()
        let split = shares(lines, cash: cash, credit: credit)
        for (l, lineShares) in zip(lines, split) {
            for (rid, share) in zip(l.resourceIDs, lineShares) {
                let t = traits[rid]
                let name = t?.name ?? "\(l.spec)-\(rid.prefix(8))"
                try await resources.add(db, .init(
                    id: t?.id ?? Identifiers.domainID(), resourceID: rid, customerID: customer, name: name, region: l.region, serviceType: l.serviceType,
                    resourceType: l.resourceType, spec: l.spec, projectID: t?.projectID ?? "0", productID: l.productID,
                    parentResourceID: t?.parentResourceID, isMain: t?.parentResourceID == nil, chargeMode: "period",
                    periodType: l.periodType, periodNum: l.periodNum, effectiveAt: l.effectiveAt, expiresAt: l.expiresAt,
                    expirePolicy: t?.autoRenew == true ? 3 : 0, specSize: l.size, specSizeMeasureID: l.size == nil ? nil : l.sizeMeasureID,
                    orderID: orderID, renewalDeductionDays: t?.deductionDays ?? RenewalConfig.defaultDeductionDays, now: now))
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
