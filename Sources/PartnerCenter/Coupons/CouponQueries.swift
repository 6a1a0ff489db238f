import Foundation
import SQLKit

extension CouponStore {
    static func timeRange(_ filter: inout SQLQueryString, _ column: String, _ range: TimeRange) {
        timeRange(&filter, column, range.begin, range.end)
    }

    static func timeRange(_ filter: inout SQLQueryString, _ column: String, _ begin: Int64?, _ end: Int64?) {
        if let begin { filter += " AND \(unsafeRaw: column) >= \(bind: begin)" }
        if let end { filter += " AND \(unsafeRaw: column) < \(bind: end + 1000)" }  // the end second is included
    }

    /// ListQuotaCoupons: the caller's own quotas (or, for a distributor, a reseller's).
    public func listQuotas(caller: Principal, _ r: QuotaFilter) async throws -> QuotaList {
        let (ranges, page) = (r.ranges, r.page)
        let now = try await database.businessNow()
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: r.indirectPartnerID)
            var filter: SQLQueryString = "q.partner_id = \(bind: owner) AND q.quota_type = \(bind: r.quotaType) AND q.status <> 6"
            if !r.quotaIDs.isEmpty { filter += " AND q.id IN (\(binds: r.quotaIDs))" }
            if !r.statuses.isEmpty { filter += " AND \(Self.quotaStatus(now: now)) IN (\(binds: r.statuses))" }
            for (column, b, e) in ranges { Self.timeRange(&filter, column, b, e) }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM coupon_quotas q WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("\(Self.quotaSelect(now: now)) WHERE \(filter) ORDER BY q.created_at DESC, q.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            return QuotaList(totalCount: total, quotas: try rows.map { row in
                var q = try Self.quotaRow(row)
                q.indirectPartnerID = nil; q.indirectPartnerAccountName = nil; q.indirectPartnerName = nil; q.parentQuotaID = nil
                return q
            })
        }
    }

    /// ListIssuedCouponQuotas: the quotas a distributor carved for its resellers.
    public func listIssuedQuotas(caller: Principal, _ q: ListIssuedQuotasQuery) async throws -> QuotaList {
        let quotaID = q.quotaID, reseller = q.indirectPartnerID, parent = q.parentQuotaID, page = q.page
        let now = try await database.businessNow()
        return try await database.read { db in
            var filter: SQLQueryString = "p.partner_id = \(bind: caller.domainID)"
            if let quotaID { filter += " AND q.id = \(bind: quotaID)" }
            if let reseller { filter += " AND q.partner_id = \(bind: reseller)" }
            if let parent { filter += " AND q.parent_quota_id = \(bind: parent)" }
            let from: SQLQueryString = "coupon_quotas q JOIN coupon_quotas p ON p.id = q.parent_quota_id"
            let total = try await db.raw("SELECT COUNT(*) AS n FROM \(from) WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                \(Self.quotaSelect(now: now)) JOIN coupon_quotas p ON p.id = q.parent_quota_id
                WHERE \(filter) ORDER BY q.created_at DESC, q.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return QuotaList(totalCount: total, quotas: try rows.map(Self.quotaRow))
        }
    }

    /// ListCouponQuotasRecords: grants (10) and reclaims (11) of reseller quotas.
    public func quotaRecords(caller: Principal, _ q: QuotaRecordsQuery) async throws -> QuotaRecordList {
        let reseller = q.indirectPartnerID, quotaID = q.quotaID, parent = q.parentQuotaID, opType = q.operationType, page = q.page
        return try await database.read { db in
            var filter: SQLQueryString = "r.scope = 'quota' AND r.partner_id = \(bind: caller.domainID)"
            if let reseller { filter += " AND r.indirect_partner_id = \(bind: reseller)" }
            if let quotaID { filter += " AND r.quota_id = \(bind: quotaID)" }
            if let parent { filter += " AND r.parent_quota_id = \(bind: parent)" }
            if let opType { filter += " AND r.operation_type = \(bind: opType)" }
            Self.timeRange(&filter, "r.created_at", q.operationTime)
            let total = try await db.raw("SELECT COUNT(*) AS n FROM coupon_records r WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT r.*, a.name AS reseller_name FROM coupon_records r LEFT JOIN accounts a ON a.id = r.indirect_partner_id
                WHERE \(filter) ORDER BY r.created_at DESC, r.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return QuotaRecordList(totalCount: total, records: try rows.map { r in
                QuotaRecord(id: try r.decode(column: "id", as: String.self), operator: try r.decode(column: "operator_name", as: String?.self) ?? "",
                            operationType: try r.decode(column: "operation_type", as: String.self), quotaID: try r.decode(column: "quota_id", as: String?.self) ?? "",
                            parentQuotaID: try r.decode(column: "parent_quota_id", as: String?.self) ?? "",
                            amount: Units.decimal(try r.decode(column: "amount", as: Int64.self)),
                            operationTime: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)), result: try r.decode(column: "result", as: String.self),
                            indirectPartnerAccountName: try r.decode(column: "reseller_name", as: String?.self) ?? "",
                            indirectPartnerID: try r.decode(column: "indirect_partner_id", as: String?.self) ?? "",
                            indirectPartnerName: try r.decode(column: "reseller_name", as: String?.self) ?? "",
                            remark: try r.decode(column: "remark", as: String?.self) ?? "")
            })
        }
    }

    /// ListIssuedPartnerCoupons
    public func listCoupons(caller: Principal, _ q: ListCouponsQuery) async throws -> IssuedCouponList {
        let couponID = q.couponID, customerID = q.customerID, orderID = q.orderID, indirect = q.indirectPartnerID
        let couponType = q.couponType, status = q.status, page = q.page
        let ranges = [("c.created_at", q.createTime), ("c.effective_at", q.effectiveTime), ("c.expires_at", q.expireTime)]
        let now = try await database.businessNow()
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirect)
            // Coupons expired more than two years ago are no longer shown.
            var filter: SQLQueryString = "c.partner_id = \(bind: owner) AND c.expires_at > \(bind: now - 2 * 366 * 86_400_000)"
            if let couponID { filter += " AND c.id = \(bind: couponID)" }
            if let customerID { filter += " AND c.customer_id = \(bind: customerID)" }
            if let orderID { filter += Self.paid(order: orderID) }
            if let couponType { filter += " AND c.coupon_type = \(bind: couponType)" }
            if let status { filter += " AND \(Self.couponStatus(now: now)) = \(bind: status)" }
            for (column, range) in ranges { Self.timeRange(&filter, column, range) }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM coupons c WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT c.*, \(Self.couponStatus(now: now)) AS derived_status, l.balance FROM coupons c JOIN ledger_accounts l ON l.id = c.ledger_account
                WHERE \(filter) ORDER BY c.created_at DESC, c.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return IssuedCouponList(totalCount: total, userCoupons: try rows.map { r in
                let id = try r.decode(column: "id", as: String.self)
                let uses = Self.useLimits(couponID: id, try r.decode(column: "limits", as: String.self))
                let effective = WireTime.utc(try r.decode(column: "effective_at", as: Int64.self))
                return IssuedCoupon(
                    couponID: id, status: try r.decode(column: "derived_status", as: Int.self), customerID: try r.decode(column: "customer_id", as: String.self),
                    couponType: try r.decode(column: "coupon_type", as: Int.self), measureID: 1,
                    faceValue: Units.decimal(try r.decode(column: "face_value", as: Int64.self)), effectiveTime: effective,
                    expireTime: WireTime.utc(try r.decode(column: "expires_at", as: Int64.self)), orderID: "", promotionPlanID: "", promotionPlanName: "",
                    promotionPlanDesc: "", mediaType: 1, fetchMethod: 3, useLimits: uses, activeTime: effective, lastUsedTime: "", promotionID: "",
                    createTime: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)),
                    balance: Units.decimal(try r.decode(column: "balance", as: Int64.self)), lockOrderID: "", isFrozen: "0")
            })
        }
    }

    /// The coupons (`c`) that paid this order, as a filter.
    static func paid(order orderID: String) -> SQLQueryString {
        " AND EXISTS (SELECT 1 FROM order_coupons oc WHERE oc.coupon_id = c.id AND oc.order_id = \(bind: orderID))"
    }

    /// A coupon's limits as the lists show them, one entry per value.
    static func useLimits(couponID id: String, _ stored: String) -> [CouponUseLimit] {
        var uses: [CouponUseLimit] = []
        for (i, l) in decodeLimits(stored).enumerated() {
            for (j, v) in l.limitValues.enumerated() {
                uses.append(CouponUseLimit(useLimitiInfoID: "\(id)-\(i)-\(j)", limitKey: l.limitKey, value1: v.value1 ?? "", value2: v.value2 ?? "",
                                           valueUnit: "", limitType: "", promotionPlanID: ""))
            }
        }
        return uses
    }

    /// ListSubCustomerCoupons: the caller's own coupons. A customer's are those its partners
    /// issued; a partner holds none of its own (a distributor naming one of its resellers
    /// gets the reseller's, also none), so a partner's list is empty once its scope checks.
    /// Coupons that expired more than a year ago are no longer shown.
    public func ownCoupons(caller: Principal, _ q: OwnCouponsQuery) async throws -> UserCouponList {
        let now = try await database.businessNow()
        return try await database.read { db in
            let holder = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: q.indirectPartnerID)
            var filter: SQLQueryString = "c.customer_id = \(bind: holder) AND c.expires_at > \(bind: now - 366 * 86_400_000)"
            if let id = q.couponID { filter += " AND c.id = \(bind: id)" }
            if let order = q.orderID { filter += Self.paid(order: order) }
            if q.promotionPlanID != nil { filter += " AND 1 = 0" }  // partner-issued coupons belong to no promotion plan
            if let t = q.couponType { filter += " AND c.coupon_type = \(bind: t)" }
            if let s = q.status { filter += " AND \(Self.couponStatus(now: now)) = \(bind: s)" }
            if let from = q.activeFrom { filter += " AND c.effective_at >= \(bind: from)" }
            if let until = q.activeUntil { filter += " AND c.effective_at <= \(bind: until)" }
            if let source = q.sourceID { filter += " AND c.partner_id = \(bind: source)" }
            let count = try await db.raw("SELECT COUNT(*) AS n FROM coupons c WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT c.*, \(Self.couponStatus(now: now)) AS derived_status, l.balance,
                       (SELECT o.id FROM order_coupons oc JOIN orders o ON o.id = oc.order_id WHERE oc.coupon_id = c.id ORDER BY o.paid_at DESC, o.id DESC LIMIT 1) AS last_order,
                       (SELECT MAX(o.paid_at) FROM order_coupons oc JOIN orders o ON o.id = oc.order_id WHERE oc.coupon_id = c.id) AS last_used
                FROM coupons c JOIN ledger_accounts l ON l.id = c.ledger_account
                WHERE \(filter) ORDER BY c.created_at DESC, c.id DESC LIMIT \(bind: q.page.limit) OFFSET \(bind: q.page.offset)
                """).all()
            return UserCouponList(count: count, userCoupons: try rows.map { r in
                let id = try r.decode(column: "id", as: String.self)
                let effective = WireTime.utc(try r.decode(column: "effective_at", as: Int64.self))
                return UserCoupon(
                    couponID: id, couponCode: id, status: try r.decode(column: "derived_status", as: Int.self),
                    customerID: try r.decode(column: "customer_id", as: String.self), couponType: try r.decode(column: "coupon_type", as: Int.self),
                    faceValue: Units.decimal(try r.decode(column: "face_value", as: Int64.self)), validTime: effective,
                    expireTime: WireTime.utc(try r.decode(column: "expires_at", as: Int64.self)), orderID: try r.decode(column: "last_order", as: String?.self),
                    useLimits: Self.useLimits(couponID: id, try r.decode(column: "limits", as: String.self)), activeTime: effective,
                    reserveTime: try r.decode(column: "last_used", as: Int64?.self).map(WireTime.utc),
                    createTime: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)),
                    balance: Units.decimal(try r.decode(column: "balance", as: Int64.self)), sourceID: try r.decode(column: "partner_id", as: String.self))
            })
        }
    }

    /// ListPartnerCouponsRecord
    public func couponRecords(caller: Principal, _ q: CouponRecordsQuery) async throws -> CouponRecordList {
        let couponIDs = q.couponIDs, quotaID = q.quotaID, customerID = q.customerID, indirect = q.indirectPartnerID
        let quotaType = q.quotaType, result = q.result, page = q.page
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirect)
            var filter: SQLQueryString = "r.scope = 'coupon' AND r.partner_id = \(bind: owner)"
            if let types = q.operationTypes {
                filter += types.isEmpty ? " AND 1 = 0" : " AND r.operation_type IN (\(binds: types))"
            }
            if !couponIDs.isEmpty { filter += " AND r.coupon_id IN (\(binds: couponIDs))" }
            if let quotaID { filter += " AND r.quota_id = \(bind: quotaID)" }
            if let customerID { filter += " AND r.customer_id = \(bind: customerID)" }
            if let quotaType { filter += " AND r.quota_type = \(bind: quotaType)" }
            if let result { filter += " AND r.result = \(bind: result)" }
            Self.timeRange(&filter, "r.created_at", q.operationTime)
            let total = try await db.raw("SELECT COUNT(*) AS n FROM coupon_records r WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("SELECT r.* FROM coupon_records r WHERE \(filter) ORDER BY r.created_at DESC, r.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            return CouponRecordList(totalCount: total, records: try rows.map { r in
                CouponRecord(id: try r.decode(column: "id", as: String.self), operationType: try r.decode(column: "operation_type", as: String.self),
                             quotaID: try r.decode(column: "quota_id", as: String?.self) ?? "", quotaType: try r.decode(column: "quota_type", as: Int?.self) ?? 0,
                             couponID: try r.decode(column: "coupon_id", as: String?.self) ?? "", customerID: try r.decode(column: "customer_id", as: String?.self) ?? "",
                             operationAmount: Units.decimal(try r.decode(column: "amount", as: Int64.self)),
                             operationTime: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)), result: try r.decode(column: "result", as: String.self),
                             remark: try r.decode(column: "remark", as: String?.self) ?? "")
            })
        }
    }
}
