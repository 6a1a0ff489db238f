import Foundation
import SQLKit

extension OrderStore {
    /// Whether a pending order (not past its deadline) holds the resource: a resource has at
    /// most one open order.
    static func inPendingOrder(_ db: any SQLDatabase, resourceID: String, now: Int64) async throws -> Bool {
        try await db.raw("""
            SELECT o.id FROM order_resources r JOIN orders o ON o.id = r.order_id
            WHERE r.resource_id = \(bind: resourceID) AND o.status = \(bind: OrderBook.Status.pendingPayment.rawValue) AND o.pay_deadline > \(bind: now)
            """).first() != nil
    }

    /// The coupons an automatic payment uses: the customer's usable ones that apply to a
    /// line, soonest to expire first, at most three.
    static func automaticCoupons(_ db: any SQLDatabase, customerID: String, orderID: String, now: Int64) async throws -> [OrderPayment.Coupon] {
        let lines = try await Self.lines(db, orderID: orderID)
        return try await usableCoupons(db, customerID: customerID, ids: nil, now: now)
            .filter { c in lines.contains { applies(c, to: $0) } }.prefix(3).map { OrderPayment.Coupon(id: $0.id, type: $0.wireType) }
    }

    /// Pays an order the way Huawei's automatic payments do: the discount pre-selected when
    /// it was placed, the applicable coupons, then cash and credit.
    func payAutomatically(customerID: String, orderID: String) async throws {
        let backend = database.backend
        try await database.transaction { db in
            try await Self.payAutomatically(db, backend: backend, customerID: customerID, orderID: orderID, now: try await BusinessClock.now(db))
        }
    }

    static func payAutomatically(_ db: any SQLDatabase, backend: Database.Backend, customerID: String, orderID: String, now: Int64,
                                 traits: [String: ResourceTraits] = [:]) async throws {
        let order = try await header(db, id: orderID, now: now)
        let coupons = try await automaticCoupons(db, customerID: customerID, orderID: orderID, now: now)
        try await pay(db, backend: backend, customerID: customerID, OrderPayment(orderID: orderID, coupons: coupons, discount: order.discountID.map { ($0, 3) }),
                      now: now, traits: traits)
    }

    /// A renewal order as placed: its id, and the resources that could not be in it.
    struct PlacedRenewal: Sendable {
        var orderID: String
        var failures: [FailResourceInfo]
    }

    /// RenewalResources: one renewal order (type 2) for the main resources named and their
    /// attached ones, each line from the resource's current expiry; pending payment, or paid
    /// at once with `is_auto_pay`. A resource that cannot be renewed is reported in
    /// `fail_resource_infos`; when none can, the first reason is the answer.
    public func renew(caller: Principal, _ r: Renewal) async throws -> RenewalResponse {
        let now = try await database.businessNow()
        let placed = try await database.transaction { db in
            try await Self.placeRenewal(db, customerID: caller.domainID, resourceIDs: r.resourceIDs, periodType: r.periodType,
                                        periodNum: r.periodNum, source: 1, userName: nil, now: now)
        }
        if r.autoPay {
            do {
                try await payAutomatically(customerID: caller.domainID, orderID: placed.orderID)
            } catch let e as Refusal where e.rule == .insufficientBalance {
                throw Refusal(.autoPayFailed, "The renewal order \(placed.orderID) was placed but could not be paid automatically: the balance is insufficient. Pay it with PayOrders.")
            }
        }
        return RenewalResponse(orderIDs: [placed.orderID], failResourceInfos: placed.failures)
    }

    /// Places a renewal order in the caller's transaction at `now`: by the customer (source 1,
    /// its account name) or by the system's auto-renewal (source 8, "运营系统").
    static func placeRenewal(_ db: any SQLDatabase, customerID: String, resourceIDs: [String], periodType: Int, periodNum: Int,
                             source: Int, userName: String?, now: Int64) async throws -> PlacedRenewal {
        let id = Self.orderID(now: now)
        guard let c = try await db.raw("""
            SELECT c.partner_id, c.association_type, a.name FROM customers c JOIN accounts a ON a.id = c.id WHERE c.id = \(bind: customerID)
            """).first() else {
            throw Refusal(.resourceNotRenewable, "The resource has expired and been deleted, or does not exist.")
        }
        let settings = try await RenewalConfig.of(db, customerID: customerID)
        var lines: [OrderBook.Line] = []
        var refusals: [(String, Refusal)] = []
        resources: for rid in resourceIDs {
            guard let main = try await db.raw("""
                SELECT * FROM customer_resources WHERE resource_id = \(bind: rid) AND customer_id = \(bind: customerID)
                  AND charge_mode = 'period' AND status IN (2, 4, 5)
                """).first() else {
                refusals.append((rid, Refusal(.resourceNotRenewable, "The resource has expired and been deleted, or does not exist."))); continue
            }
            guard try main.decode(column: "is_main", as: Int.self) == 1 else {
                refusals.append((rid, Refusal(.notAMainResource, "The resource is not a primary resource; renew its primary resource."))); continue
            }
            let attached = try await db.raw("""
                SELECT * FROM customer_resources WHERE parent_resource_id = \(bind: rid) AND charge_mode = 'period' AND status IN (2, 4, 5) ORDER BY resource_id
                """).all()
            var mine: [OrderBook.Line] = []
            for row in [main] + attached {
                let resourceID = try row.decode(column: "resource_id", as: String.self)
                if try await Self.inPendingOrder(db, resourceID: resourceID, now: now) {
                    refusals.append((rid, Refusal(.resourceInPendingOrder, "The resource \(resourceID) is in a pending-payment order; pay or cancel that order first.")))
                    continue resources
                }
                let product = RatedProduct(id: resourceID, service: try row.decode(column: "service_type", as: String.self),
                                           resource: try row.decode(column: "resource_type", as: String.self),
                                           spec: try row.decode(column: "resource_spec", as: String.self), region: try row.decode(column: "region", as: String.self),
                                           size: try row.decode(column: "spec_size", as: Int?.self),
                                           sizeMeasure: try row.decode(column: "spec_size_measure_id", as: Int?.self), subscriptions: 1)
                let priced: RatingStore.PeriodLine
                do {
                    priced = try await RatingStore.periodLine(db, id: resourceID, c: product, periodType: periodType, periodNum: periodNum,
                                                              field: "resource_ids", at: now)
                } catch let e as Refusal where e.rule == .productNotFound {
                    refusals.append((rid, Refusal(.renewalPeriodUnavailable, "The product has no such renewal period."))); continue resources
                }
                let start = try row.decode(column: "expires_at", as: Int64.self)
                // Under a unified expiry day the period runs on to that day, priced pro rata.
                let natural = ResourceStore.expiry(start: start, periodType: periodType, periodNum: periodNum)
                let ends = RenewalConfig.aligned(natural, to: settings.expireDay)
                mine.append(OrderBook.Line(
                    seq: 0, resourceIDs: [resourceID], serviceType: product.service, resourceType: product.resource, spec: product.spec,
                    region: product.region, productID: priced.productID, periodType: periodType, periodNum: periodNum, subscriptions: 1,
                    size: product.size, sizeMeasureID: product.sizeMeasure, effectiveAt: start, expiresAt: ends,
                    official: try RenewalConfig.price(try Units.from(priced.official), start: start, natural: natural, aligned: ends), discount: 0))
            }
            lines += mine
        }
        guard !lines.isEmpty else { throw refusals[0].1 }
        for i in lines.indices { lines[i].seq = i }
        let offered = try await Self.offeredDiscounts(db, customerID: customerID, associationType: try c.decode(column: "association_type", as: String.self), at: now)
        let best = Self.preselected(offered, lines)
        try await OrderBook.place(db, OrderBook.Header(
            id: id, customerID: customerID, partnerID: try c.decode(column: "partner_id", as: String.self), kind: .renewal,
            status: .pendingPayment, source: source, userName: userName ?? (try c.decode(column: "name", as: String.self)),
            serviceType: lines[0].serviceType, discountID: best?.0.discountID, createdAt: now, payDeadline: now + Self.paymentWindow), best?.1 ?? lines)
        return PlacedRenewal(orderID: id, failures: refusals.map { FailResourceInfo(errorCode: $0.1.rule.wire.code, errorMsg: $0.1.message, resourceID: $0.0) })
    }
}
