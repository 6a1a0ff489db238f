import Foundation
import SQLKit

/// Yearly/monthly orders: placed (by the operator, standing in for a console purchase),
/// paid or cancelled by the customer, read by the customer and its partner.
///
/// Money follows Huawei's order: the official price, less the one discount chosen (a
/// partner-granted rate, rounded half-up to the fen on each line), less the coupons chosen
/// (vouchers 301 and cash coupons 302, in the order given, each on the lines its limits
/// allow), and the rest from the customer's cash, then its credit. A payment is one
/// transaction: the ledger transfers, the resources, the fee records and the order's new
/// state commit together or not at all.
public struct OrderStore: Sendable {
    public let database: Database
    /// How long a pending order waits for payment (Huawei: creation + 7 days).
    public static let paymentWindow: Int64 = 7 * 86_400_000
    /// Most coupons of one type on one order (CouponMaxUseQuantity).
    public static let maxCouponsPerType = 3

    public init(database: Database) { self.database = database }

    static let notFound = Refusal(.orderNotFound, "The order is invalid or does not exist.")

    /// `CS` + the Beijing minute it was placed + five random letters and digits.
    static func orderID(now: Int64) -> String {
        let t = WireTime.utc(now + WireTime.beijingOffset)  // yyyy-MM-ddTHH:mm:ssZ
        let digits = t.filter(\.isNumber)
        let stamp = String(digits.dropFirst(2).prefix(10))
        return "CS" + stamp + Identifiers.random("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 5)
    }

    // MARK: placing

    /// A new-purchase order for a customer, priced at the business clock's now with the
    /// best partner-granted discount pre-selected; with `pay`, paid at once from cash and
    /// credit (no coupons).
    public func place(_ r: NewOrder) async throws -> OrderDetails {
        let now = try await database.businessNow()
        let id = Self.orderID(now: now)
        try await database.transaction { db in
            var lines: [OrderBook.Line] = []
            for (i, item) in r.items.enumerated() {
                let priced = try await RatingStore.periodLine(db, id: item.product.id, c: item.product, periodType: item.periodType,
                                                              periodNum: item.periodNum, field: "product_infos[\(i)]", at: now)
                let p = item.product
                lines.append(OrderBook.Line(
                    seq: i, resourceIDs: (0..<p.subscriptions).map { _ in UUID().uuidString.lowercased() }, serviceType: p.service,
                    resourceType: p.resource, spec: p.spec, region: p.region, productID: priced.productID, periodType: item.periodType,
                    periodNum: item.periodNum, subscriptions: p.subscriptions, size: p.size, sizeMeasureID: p.sizeMeasure, effectiveAt: now,
                    expiresAt: ResourceStore.expiry(start: now, periodType: item.periodType, periodNum: item.periodNum),
                    official: try Units.from(priced.official), discount: 0))
            }
            try await Self.placeNewPurchase(db, id: id, customerID: r.customerID, lines: lines, now: now)
        }
        if r.pay {
            let customer = Principal(domainID: r.customerID, domainName: "", kind: .customer, parentID: nil, via: "operator")
            let placed = try await database.read { db in try await Self.header(db, id: id, now: now) }
            try await pay(caller: customer, OrderPayment(orderID: id, coupons: [],
                                                         discount: placed.discountID.map { ($0, 3) }))
        }
        return try await details(orderID: id)
    }

    /// Places a new-purchase order (type 1, pending payment) of these priced lines in the
    /// caller's transaction, with the best partner-granted discount pre-selected.
    static func placeNewPurchase(_ db: any SQLDatabase, id: String, customerID: String, lines: [OrderBook.Line], now: Int64) async throws {
        guard let c = try await db.raw("""
            SELECT c.partner_id, c.association_type, a.name FROM customers c JOIN accounts a ON a.id = c.id
            WHERE c.id = \(bind: customerID) AND c.bound = 1
            """).first() else {
            throw Refusal(.unknownObject, "Invalid parameter: customer \(customerID) does not exist or is unbound.")
        }
        let offered = try await Self.offeredDiscounts(db, customerID: customerID, associationType: try c.decode(column: "association_type", as: String.self), at: now)
        let chosen = Self.preselected(offered, lines)
        try await OrderBook.place(db, OrderBook.Header(
            id: id, customerID: customerID, partnerID: try c.decode(column: "partner_id", as: String.self), kind: .newPurchase,
            status: .pendingPayment, source: 1, userName: try c.decode(column: "name", as: String.self),
            serviceType: lines[0].serviceType, discountID: chosen?.0.discountID, createdAt: now, payDeadline: now + Self.paymentWindow),
            chosen?.1 ?? lines)
    }

    // MARK: discounts

    /// The partner-granted discounts a customer may use at `time`: referral customers only
    /// (Huawei: reseller-model customers have no discounts on orders).
    static func offeredDiscounts(_ db: any SQLDatabase, customerID: String, associationType: String, at time: Int64) async throws -> [Discount] {
        guard associationType == "1" else { return [] }
        return try await DiscountStore.active(db, customerID: customerID, at: time)
    }

    /// The discount an order is placed with: of those offered, the one saving most on these
    /// lines (none when none saves anything), with the lines as it prices them.
    static func preselected(_ offered: [Discount], _ lines: [OrderBook.Line]) -> (Discount, [OrderBook.Line])? {
        let saving = { (priced: [OrderBook.Line]) in priced.reduce(0) { $0 + $1.discount } }
        return offered.map { ($0, applying($0, to: lines)) }.max { saving($0.1) < saving($1.1) }.flatMap { saving($0.1) > 0 ? $0 : nil }
    }

    /// The lines with `d` applied where its service type matches: the discounted amount to
    /// the fen, half-up (a yearly/monthly amount, as Huawei prices it), the rest untouched.
    static func applying(_ d: Discount?, to lines: [OrderBook.Line]) -> [OrderBook.Line] {
        lines.map { l in
            var l = l
            l.discount = 0
            if let d, d.serviceType == l.serviceType {
                let after = Money.roundedHalfUp(Units.decimal(l.official) * d.rate, scale: 2)
                l.discount = l.official - ((try? Units.from(after)) ?? l.official)
            }
            return l
        }
    }

    // MARK: paying

    /// A coupon as paying sees it.
    struct UsableCoupon {
        var id: String
        var account: String
        /// 301 voucher, 302 cash coupon.
        var wireType: Int
        var services: Set<String>?
        var products: Set<String>?
        var balance: Int64
    }

    /// Our coupon types on the wire: quota type 0 issues vouchers (1 → 301), quota type 1
    /// cash coupons (4 → 302).
    static func wireCouponType(_ stored: Int) -> Int { stored == 4 ? 302 : 301 }

    static func productLimit(_ limits: [QuotaLimitInfo]) -> Set<String>? {
        guard let l = limits.first(where: { $0.limitKey == "productId" }) else { return nil }
        return Set(l.limitValues.compactMap(\.value1).flatMap { $0.split(separator: ",").map(String.init) })
    }

    static func applies(_ c: UsableCoupon, to l: OrderBook.Line) -> Bool {
        (c.services.map { $0.contains(l.serviceType) } ?? true) && (c.products.map { $0.contains(l.productID) } ?? true)
    }

    /// The caller's coupons usable now, `for update` where they are locked.
    static func usableCoupons(_ db: any SQLDatabase, customerID: String, ids: [String]?, now: Int64) async throws -> [UsableCoupon] {
        var q: SQLQueryString = """
            SELECT c.id, c.coupon_type, c.limits, c.ledger_account, l.balance FROM coupons c JOIN ledger_accounts l ON l.id = c.ledger_account
            WHERE c.customer_id = \(bind: customerID) AND c.status = 2 AND c.effective_at <= \(bind: now) AND c.expires_at > \(bind: now) AND l.balance > 0
            """
        if let ids { q += " AND c.id IN (\(binds: ids))" }
        q += " ORDER BY c.expires_at, c.id"
        return try await db.raw(q).all().map { row in
            let limits = CouponStore.decodeLimits(try row.decode(column: "limits", as: String.self))
            return UsableCoupon(id: try row.decode(column: "id", as: String.self), account: try row.decode(column: "ledger_account", as: String.self),
                                wireType: wireCouponType(try row.decode(column: "coupon_type", as: Int.self)),
                                services: CouponStore.quotaServiceTypes(limits), products: productLimit(limits),
                                balance: try row.decode(column: "balance", as: Int64.self))
        }
    }

    /// PayOrders: pays a pending order of the caller's, or refuses and changes nothing.
    public func pay(caller: Principal, _ p: OrderPayment) async throws {
        let backend = database.backend
        try await database.transaction { db in
            try await Self.pay(db, backend: backend, customerID: caller.domainID, p, now: try await BusinessClock.now(db))
        }
    }

    /// Pays in the caller's transaction at `now` (the lifecycle pays renewals at the moment
    /// they fall due, so their fees land in that day's and month's bills).
    static func pay(_ db: any SQLDatabase, backend: Database.Backend, customerID: String, _ p: OrderPayment, now: Int64,
                    traits: [String: ResourceTraits] = [:]) async throws {
        do {
            guard let o = try await db.raw("SELECT * FROM orders WHERE id = \(bind: p.orderID) AND customer_id = \(bind: customerID)\(backend.forUpdate)").first() else {
                throw Self.notFound
            }
            guard try o.decode(column: "status", as: Int.self) == OrderBook.Status.pendingPayment.rawValue else {
                throw Refusal(.orderNotPayable, "The order status has changed; the order cannot be paid.")
            }
            guard let deadline = try o.decode(column: "pay_deadline", as: Int64?.self), now < deadline else {
                throw Refusal(.orderPaymentExpired, "The payment deadline of the order has passed; place the order again.")
            }
            let customer = customerID
            let partner = try o.decode(column: "partner_id", as: String.self)
            let kind = OrderBook.Kind(rawValue: try o.decode(column: "order_type", as: Int.self)) ?? .newPurchase
            let createdAt = try o.decode(column: "created_at", as: Int64.self)
            var lines = try await Self.lines(db, orderID: p.orderID)

            // The discount: one of those offered when the order was placed (its price holds
            // until the deadline), or none.
            var discountID: String?
            if let chosen = p.discount {
                let association = try await db.raw("SELECT association_type FROM customers WHERE id = \(bind: customer)").first()?
                    .decode(column: "association_type", as: String.self) ?? "2"
                let offered = try await Self.offeredDiscounts(db, customerID: customer, associationType: association, at: createdAt)
                guard chosen.type == 3, let d = offered.first(where: { $0.discountID == chosen.id }) else {
                    throw Refusal(.discountNotUsable, "The discount \(chosen.id) cannot be used for this order.")
                }
                lines = Self.applying(d, to: lines)
                guard lines.contains(where: { $0.discount > 0 }) else {
                    throw Refusal(.discountNotUsable, "The discount \(chosen.id) cannot be used for this order.")
                }
                discountID = d.discountID
            } else {
                lines = Self.applying(nil, to: lines)
            }

            // Every account the payment may touch is locked first, in id order (as every
            // transfer locks), so balances read next stay true and payments never deadlock.
            let revenue = try await Ledger.ensure(db, owner: nil, type: .revenue)
            let cashAccount = try await Ledger.ensure(db, owner: customer, type: .cash)
            let creditAccount = Ledger.accountID(owner: customer, type: .credit)
            let hasCredit = try await db.raw("SELECT id FROM ledger_accounts WHERE id = \(bind: creditAccount)").first() != nil
            let candidates = p.coupons.isEmpty ? [] : try await Self.usableCoupons(db, customerID: customer, ids: p.coupons.map(\.id), now: now)
            for id in Set([revenue, cashAccount] + (hasCredit ? [creditAccount] : []) + candidates.map(\.account)).sorted() {
                _ = try await Ledger.lockedBalance(db, backend: backend, id)
            }

            // Coupons, in the order given, each on the lines it applies to.
            var couponTransfers: [(UsableCoupon, Int64)] = []
            if !p.coupons.isEmpty {
                let found = try await Self.usableCoupons(db, customerID: customer, ids: p.coupons.map(\.id), now: now)
                for given in p.coupons {
                    guard var c = found.first(where: { $0.id == given.id }), c.wireType == given.type else {
                        throw Refusal(.couponNotUsable, "The coupon \(given.id) is used up, expired or not available to this account.")
                    }
                    var took: Int64 = 0
                    for i in lines.indices where Self.applies(c, to: lines[i]) {
                        let left = lines[i].due - lines[i].voucher - lines[i].cashCoupon
                        let take = min(left, c.balance)
                        guard take > 0 else { continue }
                        if c.wireType == 302 { lines[i].cashCoupon += take } else { lines[i].voucher += take }
                        c.balance -= take
                        took += take
                    }
                    guard took > 0 else {
                        throw Refusal(.couponNotUsable, "The coupon \(given.id) does not apply to this order.")
                    }
                    couponTransfers.append((c, took))
                }
            }

            // The rest from cash, then credit.
            let rest = lines.reduce(0) { $0 + $1.due - $1.voucher - $1.cashCoupon }
            let cashBalance = max(0, try await Ledger.lockedBalance(db, backend: backend, cashAccount))
            let creditBalance = hasCredit ? max(0, try await Ledger.lockedBalance(db, backend: backend, creditAccount)) : 0
            guard cashBalance + creditBalance >= rest else {
                throw Refusal(.insufficientBalance, "The account balance is insufficient to pay the order.")
            }
            let cash = min(rest, cashBalance), credit = rest - cash

            for (c, units) in couponTransfers {
                _ = try await Ledger.post(db, backend: backend, .init(kind: "COUPON_PAY", from: c.account, to: revenue, units: units, partnerID: partner,
                                                                      counterpartyID: customer, idPrefix: "CU", reference: p.orderID))
            }
            if cash > 0 {
                _ = try await Ledger.post(db, backend: backend, .init(kind: "ORDER_PAY", from: cashAccount, to: revenue, units: cash, partnerID: partner,
                                                                      counterpartyID: customer, idPrefix: "OP", reference: p.orderID))
            }
            if credit > 0 {
                _ = try await Ledger.post(db, backend: backend, .init(kind: "ORDER_PAY", from: creditAccount, to: revenue, units: credit, partnerID: partner,
                                                                      counterpartyID: customer, idPrefix: "OP", reference: p.orderID))
            }
            try await CouponStore.markUsedUp(db, couponTransfers.filter { $0.0.balance == 0 }.map(\.0.id), at: now)

            // The resources and their fees follow: a purchase's periods start at payment, a
            // renewal's at each resource's expiry at that moment.
            switch kind {
            case .newPurchase:
                // (An operator's provisioning may fix the period's start instead.)
                for i in lines.indices where traits[lines[i].resourceIDs[0]] == nil {
                    lines[i].effectiveAt = now
                    lines[i].expiresAt = ResourceStore.expiry(start: now, periodType: lines[i].periodType, periodNum: lines[i].periodNum)
                }
                try await SubscriptionCharges.provision(db, backend: backend, orderID: p.orderID, customer: customer, partner: partner,
                                                        lines: lines, cash: cash, credit: credit, traits: traits, now: now)
            case .renewal:
                for i in lines.indices {
                    let current = try await db.raw("SELECT expires_at FROM customer_resources WHERE resource_id = \(bind: lines[i].resourceIDs[0])").first()?
                        .decode(column: "expires_at", as: Int64?.self) ?? nil
                    // The period as placed (a unified expiry day's included) stands while the
                    // resource still expires where it did; otherwise it runs from the new expiry.
                    guard let current, current != lines[i].effectiveAt else { continue }
                    lines[i].effectiveAt = current
                    lines[i].expiresAt = ResourceStore.expiry(start: current, periodType: lines[i].periodType, periodNum: lines[i].periodNum)
                }
                try await SubscriptionCharges.renew(db, backend: backend, orderID: p.orderID, customer: customer, partner: partner,
                                                    lines: lines, cash: cash, credit: credit, now: now)
            case .unsubscription, .toOnDemand:
                preconditionFailure("only purchases and renewals are placed pending payment")
            }
            try await OrderBook.markPaid(db, orderID: p.orderID, discountID: discountID, lines: lines,
                                         coupons: couponTransfers.map { .init(couponID: $0.0.id, account: $0.0.account, wireType: $0.0.wireType, units: $0.1) },
                                         cash: cash, credit: credit, at: now)
        }
    }

    /// CancelCustomerOrder: a pending order of the caller's is cancelled; nothing was paid.
    public func cancel(caller: Principal, _ c: OrderCancellation) async throws {
        let backend = database.backend
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            guard let o = try await db.raw("SELECT status, pay_deadline FROM orders WHERE id = \(bind: c.orderID) AND customer_id = \(bind: caller.domainID)\(backend.forUpdate)").first() else {
                throw Self.notFound
            }
            let deadline = try o.decode(column: "pay_deadline", as: Int64?.self) ?? 0
            guard try o.decode(column: "status", as: Int.self) == OrderBook.Status.pendingPayment.rawValue, now < deadline else {
                throw Refusal(.orderNotCancellable, "The order status does not allow cancellation.")
            }
            try await OrderBook.markCancelled(db, orderID: c.orderID, at: now)
        }
    }
}
