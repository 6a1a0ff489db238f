import Foundation
import SQLKit

/// The auto-renewals of one due moment, many to a transaction, written in bulk: what
/// `Lifecycle.apply` does for one renewal event (a renewal order placed by the system and
/// paid automatically, its fee records, the resources' new expiry and next attempt), done for
/// a batch with a few statements per table instead of some forty per renewal.
///
/// The rules are the same ones, in the same order: each group (a main resource and its
/// attached ones, in resource id order) is a renewal order of one period from each
/// resource's expiry (a unified expiry day aligned and priced pro rata), with the best
/// partner discount pre-selected for referral customers, paid from cash and then credit as
/// the batch leaves them; a group short of money, held by a pending order, or without the
/// period's price is tried again the next day (until retention ends) and leaves nothing.
/// Customers with usable coupons go through `Lifecycle.apply` one event at a time, since an
/// automatic payment picks their coupons.
enum BulkRenewal {
    /// One group due for renewal.
    struct Group {
        /// The main resource first, then its attached ones.
        var rows: [any SQLRow]
        var resourceID: String
        var customerID: String
    }

    /// A price looked up once per batch and product.
    struct PriceKey: Hashable {
        var service: String, resource: String, spec: String, region: String, size: Int?, measure: Int?, periodType: Int
    }

    static func run(_ db: any SQLDatabase, backend: Database.Backend, resourceIDs: [String], at: Int64, grace: Int64, retention: Int64) async throws
        -> [Lifecycle.Outcome] {
        guard !resourceIDs.isEmpty else { return [] }
        // The mains, locked, still due at this moment.
        let mains = try await db.raw("""
            SELECT * FROM customer_resources WHERE resource_id IN (\(binds: resourceIDs)) ORDER BY resource_id\(backend.forUpdate)
            """).all()
        var due: [(row: any SQLRow, id: String, customer: String)] = []
        for m in mains {
            guard try m.decode(column: "charge_mode", as: String.self) == "period", try m.decode(column: "expire_policy", as: Int.self) == 3,
                  [2, 4, 5].contains(try m.decode(column: "status", as: Int.self)),
                  try m.decode(column: "next_renewal_at", as: Int64?.self) == at else { continue }
            due.append((m, try m.decode(column: "resource_id", as: String.self), try m.decode(column: "customer_id", as: String.self)))
        }
        var outcomes = Array(repeating: Lifecycle.Outcome.none, count: resourceIDs.count - due.count)
        guard !due.isEmpty else { return outcomes }

        // Customers who have usable coupons pay the way a single automatic payment does.
        let customers = Array(Set(due.map(\.customer))).sorted()
        let withCoupons = Set(try await db.raw("""
            SELECT DISTINCT c.customer_id FROM coupons c JOIN ledger_accounts l ON l.id = c.ledger_account
            WHERE c.customer_id IN (\(binds: customers)) AND c.status = 2 AND c.effective_at <= \(bind: at) AND c.expires_at > \(bind: at) AND l.balance > 0
            """).all().map { try $0.decode(column: "customer_id", as: String.self) })
        for d in due where withCoupons.contains(d.customer) {
            outcomes.append(try await Lifecycle.apply(db, backend: backend, .renewal, resourceID: d.id, at: at, grace: grace, retention: retention))
        }
        let bulk = due.filter { !withCoupons.contains($0.customer) }
        guard !bulk.isEmpty else { return outcomes }

        // Attached resources, and which of all of them a pending order holds.
        var attached: [String: [any SQLRow]] = [:]
        for r in try await db.raw("""
            SELECT * FROM customer_resources WHERE parent_resource_id IN (\(binds: bulk.map(\.id))) AND charge_mode = 'period' AND status IN (2, 4, 5)
            ORDER BY resource_id
            """).all() {
            attached[try r.decode(column: "parent_resource_id", as: String.self), default: []].append(r)
        }
        var groups: [Group] = bulk.map { Group(rows: [$0.row] + (attached[$0.id] ?? []), resourceID: $0.id, customerID: $0.customer) }
        let everyID = try groups.flatMap { g in try g.rows.map { try $0.decode(column: "resource_id", as: String.self) } }
        let held = Set(try await db.raw("""
            SELECT r.resource_id FROM order_resources r JOIN orders o ON o.id = r.order_id
            WHERE r.resource_id IN (\(binds: everyID)) AND o.status = \(bind: OrderBook.Status.pendingPayment.rawValue) AND o.pay_deadline > \(bind: at)
            """).all().map { try $0.decode(column: "resource_id", as: String.self) })

        // Each customer once: its partner, discounts, renewal settings, accounts.
        struct Party { var partner: String, offered: [Discount], settings: RenewalConfig.Values, cash: String, credit: String? }
        var parties: [String: Party] = [:]
        let bulkCustomers = Array(Set(bulk.map(\.customer))).sorted()
        let revenue = try await Ledger.ensure(db, owner: nil, type: .revenue)
        let creditIDs = bulkCustomers.map { Ledger.accountID(owner: $0, type: .credit) }
        let credits = Set(try await db.raw("SELECT id FROM ledger_accounts WHERE id IN (\(binds: creditIDs))").all().map { try $0.decode(column: "id", as: String.self) })
        for row in try await db.raw("""
            SELECT id, partner_id, association_type FROM customers WHERE id IN (\(binds: bulkCustomers))
            """).all() {
            let id = try row.decode(column: "id", as: String.self)
            let credit = Ledger.accountID(owner: id, type: .credit)
            parties[id] = Party(
                partner: try row.decode(column: "partner_id", as: String.self),
                offered: try await OrderStore.offeredDiscounts(db, customerID: id, associationType: try row.decode(column: "association_type", as: String.self), at: at),
                settings: try await RenewalConfig.of(db, customerID: id), cash: try await Ledger.ensure(db, owner: id, type: .cash),
                credit: credits.contains(credit) ? credit : nil)
        }
        let ledger = LedgerBatch(backend: backend, now: at)
        try await ledger.preload(db, [revenue] + parties.values.flatMap { [$0.cash] + ($0.credit.map { [$0] } ?? []) })

        var prices: [PriceKey: RatingStore.PeriodLine?] = [:]
        var orders: [OrderBook.PaidOrder] = []
        var fees: [FeeBook.Fee] = []
        var renewed: [(ids: [String], expires: Int64, periodType: Int, next: Int64?, left: Int?)] = []
        var scheduled: [(ids: [String], next: Int64?, left: Int?)] = []
        var orderIDs = try await freshOrderIDs(db, count: groups.count, at: at)
        groups.sort { $0.resourceID < $1.resourceID }
        for g in groups {
            guard let party = parties[g.customerID] else { outcomes.append(.none); continue }
            let main = g.rows[0]
            let ids = try g.rows.map { try $0.decode(column: "resource_id", as: String.self) }
            let expires = try main.decode(column: "expires_at", as: Int64?.self) ?? 0
            let left = try main.decode(column: "auto_renew_left", as: Int?.self)
            let periodType = (try main.decode(column: "auto_renew_period", as: Int?.self) ?? (try main.decode(column: "period_type", as: Int?.self)) ?? 2) == 3 ? 3 : 2
            let failed = { () -> Lifecycle.Outcome in
                let tomorrow = at + WireTime.dayMillis
                scheduled.append((ids, tomorrow < expires + grace + retention ? tomorrow : nil, left))
                return .renewalFailed
            }
            // The order's lines, as `OrderStore.placeRenewal` prices them.
            var lines: [OrderBook.Line] = []
            var priced = !ids.contains(where: held.contains)
            for row in g.rows where priced {
                let rid = try row.decode(column: "resource_id", as: String.self)
                let product = RatedProduct(id: rid, service: try row.decode(column: "service_type", as: String.self),
                                           resource: try row.decode(column: "resource_type", as: String.self),
                                           spec: try row.decode(column: "resource_spec", as: String.self), region: try row.decode(column: "region", as: String.self),
                                           size: try row.decode(column: "spec_size", as: Int?.self),
                                           sizeMeasure: try row.decode(column: "spec_size_measure_id", as: Int?.self), subscriptions: 1)
                let key = PriceKey(service: product.service, resource: product.resource, spec: product.spec, region: product.region, size: product.size,
                                   measure: product.sizeMeasure, periodType: periodType)
                if prices[key] == nil {
                    do {
                        prices[key] = .some(try await RatingStore.periodLine(db, id: rid, c: product, periodType: periodType, periodNum: 1, field: "resource_ids", at: at))
                    } catch let e as Refusal where e.rule == .productNotFound {
                        prices[key] = .some(nil)
                    }
                }
                guard let line = prices[key] ?? nil else { priced = false; break }
                let start = try row.decode(column: "expires_at", as: Int64.self)
                let natural = ResourceStore.expiry(start: start, periodType: periodType, periodNum: 1)
                let ends = RenewalConfig.aligned(natural, to: party.settings.expireDay)
                lines.append(OrderBook.Line(
                    seq: lines.count, resourceIDs: [rid], serviceType: product.service, resourceType: product.resource, spec: product.spec,
                    region: product.region, productID: line.productID, periodType: periodType, periodNum: 1, subscriptions: 1,
                    size: product.size, sizeMeasureID: product.sizeMeasure, effectiveAt: start, expiresAt: ends,
                    official: try RenewalConfig.price(try Units.from(line.official), start: start, natural: natural, aligned: ends), discount: 0))
            }
            guard priced else { outcomes.append(failed()); continue }
            let best = OrderStore.preselected(party.offered, lines)
            lines = best?.1 ?? lines
            // Paid from cash, then credit, as this batch has left them.
            let rest = lines.reduce(0) { $0 + $1.due }
            let cashBalance = max(0, try await ledger.balance(db, party.cash))
            let creditBalance = party.credit == nil ? 0 : max(0, try await ledger.balance(db, party.credit!))
            guard cashBalance + creditBalance >= rest else { outcomes.append(failed()); continue }
            let cash = min(rest, cashBalance), credit = rest - cash
            let id = orderIDs.removeLast()
            if cash > 0 {
                _ = try await ledger.post(db, .init(kind: "ORDER_PAY", from: party.cash, to: revenue, units: cash, partnerID: party.partner,
                                                    counterpartyID: g.customerID, idPrefix: "OP", reference: id))
            }
            if credit > 0 {
                _ = try await ledger.post(db, .init(kind: "ORDER_PAY", from: party.credit!, to: revenue, units: credit, partnerID: party.partner,
                                                    counterpartyID: g.customerID, idPrefix: "OP", reference: id))
            }
            orders.append(OrderBook.PaidOrder(
                header: OrderBook.Header(id: id, customerID: g.customerID, partnerID: party.partner, kind: .renewal, status: .completed, source: 8,
                                         userName: "运营系统", serviceType: lines[0].serviceType, discountID: best?.0.discountID, createdAt: at,
                                         payDeadline: at + OrderStore.paymentWindow),
                lines: lines, cash: cash, credit: credit))
            let newExpiry = lines[0].expiresAt
            let remaining = left.map { $0 - 1 }
            let next: Int64? = remaining == 0 ? nil : ResourceBook.renewalAttempt(expiresAt: newExpiry, now: at + 1, daysBefore: party.settings.deductionDays)
            var names: [String: String] = [:]
            for row in g.rows { names[try row.decode(column: "resource_id", as: String.self)] = try row.decode(column: "resource_name", as: String.self) }
            for (l, shares) in zip(lines, SubscriptionCharges.shares(lines, cash: cash, credit: credit)) {
                for (rid, share) in zip(l.resourceIDs, shares) {
                    fees.append(SubscriptionCharges.orderFee(customer: g.customerID, partner: party.partner, orderID: id, line: l, resourceID: rid,
                                                             name: names[rid] ?? rid, share: share, billType: 2, now: at))
                }
                renewed.append((l.resourceIDs, l.expiresAt, l.periodType, next, remaining))
            }
            outcomes.append(.renewed)
        }

        // The writes, a few statements per table for the whole batch.
        try await OrderBook.placePaid(db, orders)
        try await ledger.finish(db)
        let book = FeeBook()
        for f in fees { try await book.add(db, f) }
        try await book.finish(db)
        try await ResourceBook.renewAll(db, renewed, now: at)
        try await ResourceBook.scheduleAll(db, scheduled, now: at)
        let renewedIDs = renewed.flatMap(\.ids)
        if !renewedIDs.isEmpty {
            let withPackages = try await BillingStore.resourcesWithPackages(db, renewedIDs)
            for e in renewed where withPackages.contains(e.ids[0]) {
                try await BillingStore.renewPackage(db, backend: backend, resourceID: e.ids[0], periods: 1, periodType: e.periodType, expires: e.expires)
            }
        }
        return outcomes
    }

    /// `count` order ids of the moment `at` (Huawei's shape: the minute and five random
    /// characters), distinct from each other and from every order already stored: thousands
    /// of renewals share one minute, where five random characters alone would collide.
    static func freshOrderIDs(_ db: any SQLDatabase, count: Int, at: Int64) async throws -> [String] {
        var ids = Set<String>()
        while ids.count < count {
            var candidates = Set<String>()
            while candidates.count < count - ids.count {
                let id = OrderStore.orderID(now: at)
                if !ids.contains(id) { candidates.insert(id) }
            }
            var taken = Set<String>()
            for chunk in Array(candidates).chunked() {
                for r in try await db.raw("SELECT id FROM orders WHERE id IN (\(binds: chunk))").all() { taken.insert(try r.decode(column: "id", as: String.self)) }
            }
            ids.formUnion(candidates.subtracting(taken))
        }
        return ids.sorted()
    }
}
