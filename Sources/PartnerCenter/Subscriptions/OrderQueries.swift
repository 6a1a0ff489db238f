import Foundation
import SQLKit

extension OrderStore {
    /// An order's header as stored, its status read on the business clock.
    struct StoredOrder {
        var id: String
        var customerID: String
        var kind: Int
        var status: Int
        var source: Int
        var userName: String
        var serviceType: String
        var serviceName: String?
        var official: Int64
        var discount: Int64
        var discountID: String?
        var voucher: Int64
        var cashCoupon: Int64
        var createdAt: Int64
        var payDeadline: Int64?
        var paidAt: Int64?
        var consumed: Int64 = 0
        var commission: Int64 = 0
        var isUnsubscription: Bool { kind == OrderBook.Kind.unsubscription.rawValue || kind == OrderBook.Kind.toOnDemand.rawValue }
    }

    static func headerSelect(now: Int64, english: Bool = false) -> SQLQueryString {
        """
        SELECT o.*, \(OrderBook.status(now: now)) AS derived, st.\(unsafeRaw: english ? "name_en" : "name_zh") AS service_name
        FROM orders o LEFT JOIN catalog_service_types st ON st.code = o.service_type
        """
    }

    static func stored(_ r: any SQLRow) throws -> StoredOrder {
        StoredOrder(id: try r.decode(column: "id", as: String.self), customerID: try r.decode(column: "customer_id", as: String.self),
                    kind: try r.decode(column: "order_type", as: Int.self), status: try r.decode(column: "derived", as: Int.self),
                    source: try r.decode(column: "source_type", as: Int.self), userName: try r.decode(column: "user_name", as: String.self),
                    serviceType: try r.decode(column: "service_type", as: String.self), serviceName: try r.decode(column: "service_name", as: String?.self),
                    official: try r.decode(column: "official", as: Int64.self), discount: try r.decode(column: "discount", as: Int64.self),
                    discountID: try r.decode(column: "discount_id", as: String?.self), voucher: try r.decode(column: "voucher", as: Int64.self),
                    cashCoupon: try r.decode(column: "cash_coupon", as: Int64.self), createdAt: try r.decode(column: "created_at", as: Int64.self),
                    payDeadline: try r.decode(column: "pay_deadline", as: Int64?.self), paidAt: try r.decode(column: "paid_at", as: Int64?.self),
                    consumed: try r.decode(column: "consumed", as: Int64.self), commission: try r.decode(column: "commission", as: Int64.self))
    }

    static func header(_ db: any SQLDatabase, id: String, now: Int64) async throws -> StoredOrder {
        guard let r = try await db.raw("\(headerSelect(now: now)) WHERE o.id = \(bind: id)").first() else { throw notFound }
        return try stored(r)
    }

    static func lines(_ db: any SQLDatabase, orderID: String) async throws -> [OrderBook.Line] {
        try await db.raw("SELECT * FROM order_items WHERE order_id = \(bind: orderID) ORDER BY seq").all().map { r in
            OrderBook.Line(
                id: try r.decode(column: "id", as: String.self), seq: try r.decode(column: "seq", as: Int.self),
                resourceIDs: try r.decode(column: "resource_ids", as: String.self).split(separator: ",").map(String.init),
                serviceType: try r.decode(column: "service_type", as: String.self), resourceType: try r.decode(column: "resource_type", as: String.self),
                spec: try r.decode(column: "resource_spec", as: String.self), region: try r.decode(column: "region", as: String.self),
                productID: try r.decode(column: "product_id", as: String.self), periodType: try r.decode(column: "period_type", as: Int.self),
                periodNum: try r.decode(column: "period_num", as: Int.self), subscriptions: try r.decode(column: "subscription_num", as: Int.self),
                size: try r.decode(column: "spec_size", as: Int?.self), sizeMeasureID: try r.decode(column: "spec_size_measure_id", as: Int?.self),
                effectiveAt: try r.decode(column: "effective_at", as: Int64.self), expiresAt: try r.decode(column: "expires_at", as: Int64.self),
                official: try r.decode(column: "official", as: Int64.self), discount: try r.decode(column: "discount", as: Int64.self),
                voucher: try r.decode(column: "voucher", as: Int64.self), cashCoupon: try r.decode(column: "cash_coupon", as: Int64.self))
        }
    }

    static func amountInfo(discount: Int64, voucher: Int64, cashCoupon: Int64) -> OrderAmountInfo {
        OrderAmountInfo(discounts: discount > 0 ? [.init(discountType: String(Discount.type), discountAmount: Units.decimal(discount))] : [],
                        flexipurchaseCouponAmount: Units.decimal(cashCoupon), couponAmount: Units.decimal(voucher), storedCardAmount: 0,
                        commissionAmount: nil, consumedAmount: nil)
    }

    /// The header on the wire: the list's shape, or with `detail` the details' shape.
    static func info(_ o: StoredOrder, detail: Bool) -> OrderInfo {
        OrderInfo(orderID: o.id, customerID: o.customerID, serviceTypeCode: o.serviceType, serviceTypeName: o.serviceName, sourceType: o.source,
                  status: o.status, orderType: o.kind, amountAfterDiscount: Units.decimal(o.official - o.discount),
                  officialAmount: Units.decimal(o.official), measureID: 1, createTime: WireTime.utc(o.createdAt),
                  paymentTime: o.paidAt.map(WireTime.utc), currency: Money.currency, contractID: nil,
                  amountInfo: { () -> OrderAmountInfo in
                      var a = amountInfo(discount: o.discount, voucher: o.voucher, cashCoupon: o.cashCoupon)
                      // Unsubscription orders carry what was consumed and the handling fee.
                      if o.isUnsubscription { a.consumedAmount = Units.decimal(o.consumed); a.commissionAmount = Units.decimal(o.commission) }
                      return a
                  }(),
                  enterpriseProjects: detail ? nil : [EnterpriseProjectInfo(id: "0", name: "default")], subOrderInfos: [],
                  agentPayInfo: detail ? nil : AgentPayInfo(payingAgentID: nil, isAgentPay: false),
                  userName: detail ? o.userName : nil,
                  pendingPaymentEndTime: detail && o.status == OrderBook.Status.pendingPayment.rawValue ? o.payDeadline.map(WireTime.utc) : nil)
    }

    static func lineItem(_ l: OrderBook.Line, orderID: String, serviceName: String?, unsubscription: Bool = false) -> OrderLineItem {
        OrderLineItem(orderLineItemID: l.id, serviceTypeCode: l.serviceType, serviceTypeName: serviceName, productID: l.productID,
                      productSpecDesc: l.size.map { "\(l.spec)|\($0)" } ?? l.spec, periodType: l.periodType, periodNum: unsubscription ? nil : l.periodNum,
                      effectiveTime: WireTime.utc(l.effectiveAt), expireTime: WireTime.utc(l.expiresAt), subscriptionNum: l.subscriptions,
                      amountAfterDiscount: Units.decimal(l.due), officialAmount: Units.decimal(l.official),
                      amountInfo: amountInfo(discount: l.discount, voucher: l.voucher, cashCoupon: l.cashCoupon), currency: Money.currency,
                      categoryCode: l.resourceType, productOwnerService: l.serviceType, commercialResource: l.resourceType,
                      baseProductInfo: nil, orderID: orderID)
    }

    static func details(_ db: any SQLDatabase, _ o: StoredOrder, page: Page, english: Bool) async throws -> OrderDetails {
        let all = try await lines(db, orderID: o.id)
        let names = try await db.raw("SELECT code, \(unsafeRaw: english ? "name_en" : "name_zh") AS name FROM catalog_service_types WHERE code IN (\(binds: Array(Set(all.map(\.serviceType)))))").all()
            .reduce(into: [String: String]()) { $0[try $1.decode(column: "code", as: String.self)] = try $1.decode(column: "name", as: String.self) }
        let pageLines = all.dropFirst(page.offset).prefix(page.limit)
        return OrderDetails(totalCount: all.count, orderInfo: info(o, detail: true),
                            orderLineItems: pageLines.map { lineItem($0, orderID: o.id, serviceName: names[$0.serviceType], unsubscription: o.isUnsubscription) })
    }

    /// The operator's view of one order (`admin order show`, and what `create` prints).
    public func details(orderID: String) async throws -> OrderDetails {
        let now = try await database.businessNow()
        return try await database.read { db in
            try await Self.details(db, try Self.header(db, id: orderID, now: now), page: try Page(offset: 0, limit: 100), english: false)
        }
    }

    /// The customers whose orders the caller sees: itself, or a partner's bound customers
    /// (a distributor's reseller's with `indirect_partner_id`).
    static func scope(_ db: any SQLDatabase, caller: Principal, indirectPartnerID: String?) async throws -> SQLQueryString {
        if caller.kind == .customer { return "o.customer_id = \(bind: caller.domainID)" }
        let partner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirectPartnerID)
        return "o.customer_id IN (SELECT c.id FROM customers c WHERE c.partner_id = \(bind: partner) AND c.bound = 1)"
    }

    /// ShowCustomerOrderDetails: an order the caller may see, or CBC.30000010 as for an unknown one.
    public func details(caller: Principal, _ q: OrderDetailQuery) async throws -> OrderDetails {
        let now = try await database.businessNow()
        return try await database.read { db in
            let scope = try await Self.scope(db, caller: caller, indirectPartnerID: q.indirectPartnerID)
            guard let r = try await db.raw("\(Self.headerSelect(now: now, english: q.english)) WHERE o.id = \(bind: q.orderID) AND \(scope)").first() else {
                throw Self.notFound
            }
            return try await Self.details(db, try Self.stored(r), page: q.page, english: q.english)
        }
    }

    /// ListCustomerOrders
    public func list(caller: Principal, _ q: OrderListQuery) async throws -> OrderList {
        let now = try await database.businessNow()
        return try await database.read { db in
            var filter = try await Self.scope(db, caller: caller, indirectPartnerID: q.indirectPartnerID)
            // Nobody here pays on behalf of enterprise sub-accounts.
            if q.onBehalf && caller.kind == .customer { return OrderList(totalCount: 0, orderInfos: []) }
            if caller.kind != .customer, let c = q.customerID { filter += " AND o.customer_id = \(bind: c)" }
            if let id = q.orderID { filter += " AND UPPER(o.id) = \(bind: id.uppercased())" }
            if let s = q.serviceType { filter += " AND LOWER(o.service_type) = \(bind: s.lowercased())" }
            if let s = q.status { filter += " AND \(OrderBook.status(now: now)) = \(bind: s)" }
            if let t = q.orderType { filter += " AND o.order_type = \(bind: t)" }
            if let b = q.createdFrom { filter += " AND o.created_at >= \(bind: b)" }
            if let e = q.createdUntil { filter += " AND o.created_at <= \(bind: e)" }
            if let b = q.paidFrom { filter += " AND o.paid_at >= \(bind: b)" }
            if let e = q.paidUntil { filter += " AND o.paid_at <= \(bind: e)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM orders o WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let order: SQLQueryString = q.ascending ? "o.created_at, o.id" : "o.created_at DESC, o.id DESC"
            let rows = try await db.raw("\(Self.headerSelect(now: now)) WHERE \(filter) ORDER BY \(order) LIMIT \(bind: q.page.limit) OFFSET \(bind: q.page.offset)").all()
            return OrderList(totalCount: total, orderInfos: try rows.map { Self.info(try Self.stored($0), detail: false) })
        }
    }

    /// `admin order list`: a customer's orders, newest first.
    public func list(customerID: String) async throws -> [OrderInfo] {
        let now = try await database.businessNow()
        return try await database.read { db in
            try await db.raw("\(Self.headerSelect(now: now)) WHERE o.customer_id = \(bind: customerID) ORDER BY o.created_at DESC, o.id DESC").all()
                .map { Self.info(try Self.stored($0), detail: false) }
        }
    }

    /// A pending order of the caller's (what the coupon and discount lists are for).
    static func pending(_ db: any SQLDatabase, caller: Principal, orderID: String, now: Int64) async throws -> StoredOrder {
        guard let r = try await db.raw("\(headerSelect(now: now)) WHERE o.id = \(bind: orderID) AND o.customer_id = \(bind: caller.domainID)").first() else {
            throw notFound
        }
        return try stored(r)
    }

    /// ListOrderCouponsByOrderId: the caller's coupons that apply to a line of a pending order.
    public func coupons(caller: Principal, _ q: OrderIDQuery) async throws -> OrderCouponList {
        let now = try await database.businessNow()
        return try await database.read { db in
            let o = try await Self.pending(db, caller: caller, orderID: q.orderID, now: now)
            let types = [301, 302].map { OrderCouponQuantity(couponType: $0, couponGroup: 0, useQuantityValue: Self.maxCouponsPerType) }
            guard o.status == OrderBook.Status.pendingPayment.rawValue else { return OrderCouponList(count: 0, userCoupons: [], couponMaxUseQuantity: types) }
            let lines = try await Self.lines(db, orderID: o.id)
            let usable = try await Self.usableCoupons(db, customerID: caller.domainID, ids: nil, now: now).filter { c in lines.contains { Self.applies(c, to: $0) } }
            let rows = usable.isEmpty ? [] : try await db.raw("SELECT * FROM coupons WHERE id IN (\(binds: usable.map(\.id)))").all()
            let byID = try rows.reduce(into: [String: any SQLRow]()) { $0[try $1.decode(column: "id", as: String.self)] = $1 }
            let list = try usable.compactMap { c -> OrderCoupon? in
                guard let r = byID[c.id] else { return nil }
                let limits = CouponStore.decodeLimits(try r.decode(column: "limits", as: String.self))
                var n = 0
                let useLimits = limits.flatMap { l in l.limitValues.map { v -> OrderCouponLimit in
                    n += 1
                    return OrderCouponLimit(useLimitiInfoID: "\(c.id)-\(n)", limitKey: l.limitKey, value1: v.value1 ?? "", value2: v.value2,
                                            valueUnit: nil, limitType: "1", promotionPlanID: nil)
                } }
                let created = try r.decode(column: "created_at", as: Int64.self)
                return OrderCoupon(couponID: c.id, couponCode: c.id, status: 2, couponType: c.wireType, measureID: 1,
                                   faceValue: Units.decimal(try r.decode(column: "face_value", as: Int64.self)),
                                   effectiveTime: WireTime.utc(try r.decode(column: "effective_at", as: Int64.self)),
                                   expireTime: WireTime.utc(try r.decode(column: "expires_at", as: Int64.self)),
                                   planName: c.wireType == 302 ? "Partner cash coupon" : "Partner voucher",
                                   planDesc: try r.decode(column: "memo", as: String?.self), useLimits: useLimits, activeTime: WireTime.utc(created),
                                   lastUsedTime: nil, createTime: WireTime.utc(created), couponVersion: 2, balance: Units.decimal(c.balance),
                                   usedByOrderID: nil, couponUsage: nil, couponGroup: 0)
            }
            return OrderCouponList(count: list.count, userCoupons: list, couponMaxUseQuantity: types)
        }
    }

    /// ListOrderDiscounts: the partner-granted discounts a pending order may use, with what
    /// each saves on the lines it applies to.
    public func discounts(caller: Principal, _ q: OrderIDQuery) async throws -> OrderDiscountList {
        let now = try await database.businessNow()
        return try await database.read { db in
            let o = try await Self.pending(db, caller: caller, orderID: q.orderID, now: now)
            guard o.status == OrderBook.Status.pendingPayment.rawValue else { return OrderDiscountList(discounts: []) }
            let association = try await db.raw("SELECT association_type FROM customers WHERE id = \(bind: caller.domainID)").first()?
                .decode(column: "association_type", as: String.self) ?? "2"
            let lines = try await Self.lines(db, orderID: o.id)
            let offered = try await Self.offeredDiscounts(db, customerID: caller.domainID, associationType: association, at: o.createdAt)
            return OrderDiscountList(discounts: offered.compactMap { d in
                let applied = Self.applying(d, to: lines).filter { $0.discount > 0 }
                guard !applied.isEmpty else { return nil }
                return OrderDiscount(discountID: d.discountID, discountValue: Money.format(d.rate), discountType: 3, orders: [
                    .init(orderID: o.id, orderLineItems: applied.map {
                        .init(orderLineItemIDs: [$0.id], discountMode: 0, discountAmount: Units.decimal($0.discount), discountRatio: d.rate)
                    })])
            })
        }
    }
}
