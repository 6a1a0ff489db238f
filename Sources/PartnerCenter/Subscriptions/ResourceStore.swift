import Foundation
import SQLKit

/// Each customer's resources. The operator provisions them (standing in for a purchase in
/// the cloud console); partners and customers list them and quote renewals.
public struct ResourceStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// A subscription's expiry, as Huawei sets it: the end (23:59:59 Beijing) of the day the
    /// period ends on. Months keep the day of month, clamped to the month's length.
    public static func expiry(start: Int64, periodType: Int, periodNum: Int) -> Int64 {
        if periodType == 4 { return start + Int64(periodNum) * 3_600_000 }
        var t = time_t((start + WireTime.beijingOffset) / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        var y = Int(parts.tm_year) + 1900, m = Int(parts.tm_mon) + 1, d = Int(parts.tm_mday)
        switch periodType {
        case 0:
            let day = WireTime.fromParts(y, m, d, 0, 0, 0)! + Int64(periodNum) * 86_400_000
            return day + 86_399_000 - WireTime.beijingOffset
        case 3: y += periodNum
        default: m += periodNum
        }
        y += (m - 1) / 12
        m = (m - 1) % 12 + 1
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        d = min(d, days)
        return WireTime.fromParts(y, m, d, 23, 59, 59)! - WireTime.beijingOffset
    }

    // MARK: provision

    public func provision(_ r: Provisioning) async throws -> OrderInstance {
        let (customer, service, resource, spec, region, mode) = (r.customerID, r.service, r.resource, r.spec, r.region, r.mode)
        let (periodType, periodNum) = (r.periodType, r.periodNum)
        let start = try await database.businessNow(or: r.effective)
        let rid = r.resourceID ?? UUID().uuidString.lowercased()
        let id = Identifiers.domainID()
        let now = try await database.businessNow()
        do {
            try await provisionRow(r, id: id, rid: rid, customer: customer, service: service, resource: resource, spec: spec, region: region, mode: mode,
                                   periodType: periodType, periodNum: periodNum, start: start, now: now)
        } catch where Database.isUniqueViolation(error) {
            throw Refusal.parameter("resource_id", "\(rid) already exists")  // a concurrent twin got there first
        }
        return try await database.read { db in try await Self.instances(db, "r.id = \(bind: id)", now: now, limit: 1, offset: 0).first! }
    }

    /// Renews a yearly/monthly main resource and its attached ones by whole periods from
    /// their current expiry, as the customer would in the console: a renewal order (type 2)
    /// paid at once, automatically (the pre-selected discount, applicable coupons, cash,
    /// credit). Short of money, nothing is left behind.
    public func renew(resourceID: String, periodType: Int?, periodNum: Int) async throws -> OrderInstance {
        let backend = database.backend
        let now = try await database.businessNow()
        try await database.transaction { db in
            let main = try await Self.mainInUse(db, resourceID: resourceID, action: "renew")
            let customer = try main.decode(column: "customer_id", as: String.self)
            let current = try main.decode(column: "period_type", as: Int?.self) ?? 2
            let type = periodType ?? current
            guard [2, 3].contains(type) else { throw Refusal.parameter("period_type", "must be 2 (month) or 3 (year)") }
            try Check.range(periodNum, "period_num", 1...(type == 2 ? 11 : 3))
            let placed = try await OrderStore.placeRenewal(db, customerID: customer, resourceIDs: [resourceID], periodType: type, periodNum: periodNum,
                                                           source: 1, userName: nil, now: now)
            try await OrderStore.payAutomatically(db, backend: backend, customerID: customer, orderID: placed.orderID, now: now)
        }
        return try await database.read { db in try await Self.instances(db, "r.resource_id = \(bind: resourceID)", now: now, limit: 1, offset: 0).first! }
    }

    /// A main yearly/monthly resource in use (or in its grace period), or the refusal.
    static func mainInUse(_ db: any SQLDatabase, resourceID: String, action: String) async throws -> any SQLRow {
        guard let main = try await db.raw("SELECT * FROM customer_resources WHERE resource_id = \(bind: resourceID) AND charge_mode = 'period' AND status IN (2, 5)").first() else {
            throw Refusal.parameter("resource_id", "does not name a yearly/monthly resource in use")
        }
        guard try main.decode(column: "is_main", as: Int.self) == 1 else { throw Refusal.parameter("resource_id", "names an attached resource; \(action) its main resource") }
        return main
    }

    public struct Unsubscribed: Codable, Sendable {
        public var resourceIDs: [String]
        public var refund: Decimal
        /// The unsubscription order (type 4) that booked the refund.
        public var orderID: String
        enum CodingKeys: String, CodingKey { case resourceIDs = "resource_ids", refund, orderID = "order_id" }
    }

    /// Unsubscribes a main resource with its attached ones, as the customer would with
    /// CancelResourcesSubscription: an unsubscription order (type 4) refunds what the rules
    /// give back (bill type 4, negative amounts) and the resources close (status 3).
    public func unsubscribe(resourceID: String) async throws -> Unsubscribed {
        let (customer, ids) = try await database.read { db in
            let main = try await Self.mainInUse(db, resourceID: resourceID, action: "unsubscribe")
            let attached = try await db.raw("SELECT resource_id FROM customer_resources WHERE parent_resource_id = \(bind: resourceID) AND charge_mode = 'period' AND status IN (2, 5) ORDER BY resource_id").all()
            return (try main.decode(column: "customer_id", as: String.self), [resourceID] + (try attached.map { try $0.decode(column: "resource_id", as: String.self) }))
        }
        let caller = Principal(domainID: customer, domainName: "", kind: .customer, parentID: nil, via: "operator")
        let answer = try await OrderStore(database: database).unsubscribe(caller: caller, Unsubscription(resourceIDs: [resourceID], wholeResource: true, reason: nil))
        // One group named: it is refunded in one order, or the refusal was thrown.
        let orderID = answer.orderIDs[0]
        let refund = try await database.read { db in
            try await db.raw("SELECT official FROM orders WHERE id = \(bind: orderID)").first()!.decode(column: "official", as: Int64.self)
        }
        return Unsubscribed(resourceIDs: ids, refund: Units.decimal(refund), orderID: orderID)
    }

    func provisionRow(_ r: Provisioning, id: String, rid: String, customer: String, service: String, resource: String, spec: String, region: String,
                      mode: String, periodType: Int?, periodNum: Int?, start: Int64, now: Int64) async throws {
        try await database.transaction { db in
            guard try await db.raw("SELECT id FROM customers WHERE id = \(bind: customer) AND bound = 1").first() != nil else {
                throw Refusal(.unknownObject, "Invalid parameter: customer \(customer) does not exist or is unbound.")
            }
            let factor: String? = mode == "on_demand" ? "Duration" : nil
            var plan = try await PriceBook.plan(db, service: service, resource: resource, spec: spec, region: region, mode: mode, factor: factor, at: start)
            if plan == nil && mode == "on_demand" {
                plan = try await PriceBook.plan(db, service: service, resource: resource, spec: spec, region: region, mode: mode, factor: nil, at: start)
            }
            guard let plan else { throw RatingStore.notFound }
            if plan.isLinear {
                guard r.size != nil else { throw Refusal.parameter("resource_size", "is required for this linear product") }
                guard r.sizeMeasureID == nil || r.sizeMeasureID == plan.sizeMeasureID else { throw Refusal.parameter("size_measure_id", "must be \(plan.sizeMeasureID!)") }
            }
            var expires: Int64?
            var isMain = 1
            if let parent = r.parentResourceID {
                guard let p = try await db.raw("SELECT customer_id, is_main, expires_at, charge_mode FROM customer_resources WHERE resource_id = \(bind: parent)").first(),
                      try p.decode(column: "customer_id", as: String.self) == customer, try p.decode(column: "is_main", as: Int.self) == 1 else {
                    throw Refusal.parameter("parent_resource_id", "must be a main resource of the same customer")
                }
                isMain = 0
                // An attached resource ends with its main resource.
                if mode == "period" { expires = try p.decode(column: "expires_at", as: Int64?.self) }
            }
            if mode == "period" && expires == nil { expires = Self.expiry(start: start, periodType: periodType!, periodNum: periodNum!) }
            guard try await db.raw("SELECT id FROM customer_resources WHERE resource_id = \(bind: rid)").first() == nil else {
                throw Refusal.parameter("resource_id", "\(rid) already exists")
            }
            let deductionDays = r.autoRenew ? try await RenewalConfig.of(db, customerID: customer).deductionDays : RenewalConfig.defaultDeductionDays
            if mode == "period", let expires, let periodType, let periodNum {
                // A yearly/monthly resource is bought: a new-purchase order for it, paid at once
                // the way automatic payments pay (the pre-selected discount, applicable coupons,
                // cash, credit). Short of money, nothing is left behind.
                let c = RatedProduct(id: rid, service: service, resource: resource, spec: spec, region: region,
                                     size: plan.isLinear ? r.size : nil, sizeMeasure: plan.isLinear ? plan.sizeMeasureID : nil, subscriptions: 1)
                let priced = try await RatingStore.periodLine(db, id: rid, c: c, periodType: periodType, periodNum: periodNum, field: "period", at: now)
                let line = OrderBook.Line(
                    seq: 0, resourceIDs: [rid], serviceType: service, resourceType: resource, spec: spec, region: region, productID: priced.productID,
                    periodType: periodType, periodNum: periodNum, subscriptions: 1, size: c.size, sizeMeasureID: c.sizeMeasure,
                    effectiveAt: start, expiresAt: expires, official: try Units.from(priced.official), discount: 0)
                let orderID = OrderStore.orderID(now: now)
                try await OrderStore.placeNewPurchase(db, id: orderID, customerID: customer, lines: [line], now: now)
                let traits = ResourceTraits(id: id, name: r.name, projectID: r.projectID, parentResourceID: r.parentResourceID, autoRenew: r.autoRenew,
                                            deductionDays: deductionDays)
                try await OrderStore.payAutomatically(db, backend: self.database.backend, customerID: customer, orderID: orderID, now: now, traits: [rid: traits])
                return
            }
            let book = ResourceBook()
            try await book.add(db, .init(
                id: id, resourceID: rid, customerID: customer, name: r.name ?? "\(spec)-\(rid.prefix(8))", region: region, serviceType: service,
                resourceType: resource, spec: spec, projectID: r.projectID ?? "0", productID: plan.productID, parentResourceID: r.parentResourceID,
                isMain: isMain == 1, chargeMode: mode, periodType: periodType, periodNum: periodNum, effectiveAt: start, expiresAt: expires,
                expirePolicy: r.autoRenew ? 3 : 0, specSize: plan.isLinear ? r.size : nil,
                specSizeMeasureID: plan.isLinear ? plan.sizeMeasureID : nil, orderID: "CS" + Identifiers.domainID().prefix(18),
                renewalDeductionDays: deductionDays, now: now))
            try await book.finish(db)
        }
    }

    static func instances(_ db: any SQLDatabase, _ filter: SQLQueryString, now: Int64, limit: Int, offset: Int) async throws -> [OrderInstance] {
        try await db.raw("""
            SELECT r.*, (CASE WHEN r.status = 2 AND r.expires_at IS NOT NULL AND r.expires_at < \(bind: now) THEN 5 ELSE r.status END) AS derived_status,
                   rt.name_zh AS resource_name_zh, st.name_zh AS service_name_zh
            FROM customer_resources r LEFT JOIN catalog_resource_types rt ON rt.code = r.resource_type LEFT JOIN catalog_service_types st ON st.code = r.service_type
            WHERE \(filter) ORDER BY r.created_at DESC, r.id LIMIT \(bind: limit) OFFSET \(bind: offset)
            """).all().map { r in
            let size = try r.decode(column: "spec_size", as: Int?.self)
            let spec = try r.decode(column: "resource_spec", as: String.self)
            return OrderInstance(
                id: try r.decode(column: "id", as: String.self), resourceID: try r.decode(column: "resource_id", as: String.self),
                resourceName: try r.decode(column: "resource_name", as: String.self), regionCode: try r.decode(column: "region", as: String.self),
                serviceTypeCode: try r.decode(column: "service_type", as: String.self), resourceTypeCode: try r.decode(column: "resource_type", as: String.self),
                resourceTypeName: try r.decode(column: "resource_name_zh", as: String?.self) ?? "", serviceTypeName: try r.decode(column: "service_name_zh", as: String?.self) ?? "",
                resourceSpecCode: spec, projectID: try r.decode(column: "project_id", as: String.self), productID: try r.decode(column: "product_id", as: String.self),
                parentResourceID: try r.decode(column: "parent_resource_id", as: String?.self), isMainResource: try r.decode(column: "is_main", as: Int.self),
                status: try r.decode(column: "derived_status", as: Int.self), effectiveTime: WireTime.utc(try r.decode(column: "effective_at", as: Int64.self)),
                expireTime: try r.decode(column: "expires_at", as: Int64?.self).map(WireTime.utc), expirePolicy: try r.decode(column: "expire_policy", as: Int.self),
                productSpecDesc: size.map { "\(spec)|\($0)" } ?? spec, specSize: size.map { Decimal($0) },
                specSizeMeasureID: try r.decode(column: "spec_size_measure_id", as: Int?.self),
                updateTime: WireTime.utc(try r.decode(column: "updated_at", as: Int64.self)), enterpriseProject: EnterpriseProject(id: "0", name: "default"))
        }
    }

    // MARK: ListPayPerUseCustomerResources (yearly/monthly resources)

    public func list(caller: Principal, _ r: ResourceFilter) async throws -> ResourceList {
        let (begin, end, page) = (r.expiresFrom, r.expiresUntil, r.page)
        let now = try await database.businessNow()
        return try await database.read { db in
            let customer = r.customerID
            if caller.kind != .customer {
                // Only the partner the customer is bound to may look; anything else looks the same.
                guard try await db.raw("SELECT id FROM customers WHERE id = \(bind: customer) AND partner_id = \(bind: caller.domainID) AND bound = 1").first() != nil else {
                    throw Refusal.forbidden
                }
            }
            let status: SQLQueryString = "(CASE WHEN r.status = 2 AND r.expires_at IS NOT NULL AND r.expires_at < \(bind: now) THEN 5 ELSE r.status END)"
            var filter: SQLQueryString = "r.customer_id = \(bind: customer) AND r.charge_mode = 'period'"
            if !r.resourceIDs.isEmpty {
                let ids = r.resourceIDs
                if !r.onlyMain {
                    filter += " AND (r.resource_id IN (\(binds: ids)) OR r.parent_resource_id IN (SELECT m.resource_id FROM customer_resources m WHERE m.resource_id IN (\(binds: ids)) AND m.is_main = 1))"
                } else {
                    filter += " AND r.resource_id IN (\(binds: ids))"
                }
            } else if r.onlyMain {
                filter += " AND r.is_main = 1"
            }
            if let o = r.orderID { filter += " AND r.order_id = \(bind: o)" }
            if !r.statuses.isEmpty { filter += " AND \(status) IN (\(binds: r.statuses))" }
            if let s = r.serviceType { filter += " AND r.service_type = \(bind: s)" }
            if let begin { filter += " AND r.expires_at >= \(bind: begin)" }
            if let end { filter += " AND r.expires_at <= \(bind: end)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM customer_resources r WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            return ResourceList(data: try await Self.instances(db, filter, now: now, limit: page.limit, offset: page.offset), totalCount: total)
        }
    }

    // MARK: ListRenewRateOnPeriod

    public func renewRate(customerID: String, _ r: RenewInquiry) async throws -> RenewRateResponse {
        let (ids, type, num) = (r.resourceIDs, r.periodType, r.periodNum)
        let now = try await database.businessNow()
        return try await database.read { db in
            var results: [RenewInquiryResult] = []
            var fails: [FailResourceInfo] = []
            var lines: [RatingStore.PeriodLine] = []
            for id in ids {
                guard let main = try await db.raw("SELECT * FROM customer_resources WHERE resource_id = \(bind: id) AND customer_id = \(bind: customerID) AND charge_mode = 'period'").first() else {
                    fails.append(FailResourceInfo(errorCode: "CBC.30050009", errorMsg: "The resource has expired and been deleted, or does not exist.", resourceID: id)); continue
                }
                guard try main.decode(column: "is_main", as: Int.self) == 1 else {
                    fails.append(FailResourceInfo(errorCode: "CBC.30050007", errorMsg: "The resource is not a primary resource; a renewal quote is not allowed.", resourceID: id)); continue
                }
                guard [2, 5].contains(try main.decode(column: "status", as: Int.self)) else {
                    fails.append(FailResourceInfo(errorCode: "CBC.30050011", errorMsg: "The resource is being unsubscribed or changed.", resourceID: id)); continue
                }
                let attached = try await db.raw("SELECT * FROM customer_resources WHERE parent_resource_id = \(bind: id) AND customer_id = \(bind: customerID) AND charge_mode = 'period' AND status IN (2, 5) ORDER BY created_at, id").all()
                var sum = Decimal(0)
                var mine: [RatingStore.PeriodLine] = []
                do {
                    for row in [main] + attached {
                        let c = RatedProduct(id: try row.decode(column: "resource_id", as: String.self), service: try row.decode(column: "service_type", as: String.self), resource: try row.decode(column: "resource_type", as: String.self),
                                                   spec: try row.decode(column: "resource_spec", as: String.self), region: try row.decode(column: "region", as: String.self),
                                                   size: try row.decode(column: "spec_size", as: Int?.self), sizeMeasure: try row.decode(column: "spec_size_measure_id", as: Int?.self),
                                                   subscriptions: 1)
                        let line = try await RatingStore.periodLine(db, id: try row.decode(column: "resource_id", as: String.self), c: c, periodType: type,
                                                                    periodNum: num, field: "resource_ids", at: now)
                        mine.append(line)
                        sum += line.official
                    }
                } catch let e as Refusal where e.rule == RatingStore.notFound.rule {
                    fails.append(FailResourceInfo(errorCode: "CBC.30050008", errorMsg: "The resource has no such period type or period count.", resourceID: id)); continue
                }
                lines += mine
                results.append(RenewInquiryResult(resourceID: id, amount: Money.yuan(sum)))
            }
            let priced = RatingStore.periodResult(lines, discounts: try await DiscountStore.active(db, customerID: customerID, at: now))
            // Per primary resource, the official amount (what it costs before a chosen discount).
            return RenewRateResponse(
                currency: Ledger.currency, renewInquiryResults: results,
                officialWebsiteRatingResult: OfficialWebsiteRatingResultV2(officialWebsiteAmount: Money.yuan(priced.officialWebsiteRatingResult.officialWebsiteAmount)),
                optionalDiscountRatingResults: priced.optionalDiscountRatingResults.map {
                    OptionalDiscountRatingResultV2(discountID: $0.discountID, amount: Money.yuan($0.amount), officialWebsiteAmount: Money.yuan($0.officialWebsiteAmount),
                                                   discountAmount: Money.yuan($0.discountAmount), discountType: $0.discountType, discountName: $0.discountName,
                                                   bestOffer: $0.bestOffer)
                },
                failResourceInfos: fails)
        }
    }
}
