import Foundation
import SQLKit

extension CouponStore {
    static func timeRange(_ filter: inout SQLQueryString, _ column: String, _ begin: Int64?, _ end: Int64?) {
        if let begin { filter += " AND \(unsafeRaw: column) >= \(bind: begin)" }
        if let end { filter += " AND \(unsafeRaw: column) < \(bind: end + 1000)" }  // the end second is included
    }

    static func time(_ value: String?, _ field: String) throws -> Int64? {
        try Check.length(value, field, max: 20)
        return try Check.utcTime(Check.nonEmpty(value), field)
    }

    /// ListQuotaCoupons: the caller's own quotas (or, for a distributor, a reseller's).
    public func listQuotas(caller: Principal, _ r: QueryCouponQuotasRequest) async throws -> QuotaList {
        if let ids = r.quotaIDs, ids.count > 50 { throw Refusal.parameter("quota_ids", "has more than 50 entries") }
        if let s = r.quotaStatusList {
            guard s.count <= 5 else { throw Refusal.parameter("quota_status_list", "has more than 5 entries") }
            guard s.allSatisfy({ [0, 3, 4, 5].contains($0) }) else { throw Refusal.parameter("quota_status_list", "values must be 0, 3, 4 or 5") }
        }
        if let t = r.quotaType, t != 0 && t != 1 { throw Refusal.parameter("quota_type", "must be 0 or 1") }
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 64)
        let ranges = [("q.created_at", try Self.time(r.createTimeBegin, "create_time_begin"), try Self.time(r.createTimeEnd, "create_time_end")),
                      ("q.effective_at", try Self.time(r.effectiveTimeBegin, "effective_time_begin"), try Self.time(r.effectiveTimeEnd, "effective_time_end")),
                      ("q.expires_at", try Self.time(r.expireTimeBegin, "expire_time_begin"), try Self.time(r.expireTimeEnd, "expire_time_end"))]
        let page = try Page(offset: r.offset, limit: r.limit, maxOffset: Int(Int32.max))
        let now = try await database.businessNow()
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: r.indirectPartnerID)
            var filter: SQLQueryString = "q.partner_id = \(bind: owner) AND q.quota_type = \(bind: r.quotaType ?? 0) AND q.status <> 6"
            if let ids = r.quotaIDs, !ids.isEmpty { filter += " AND q.id IN (\(binds: ids))" }
            if let s = r.quotaStatusList, !s.isEmpty { filter += " AND \(Self.quotaStatus(now: now)) IN (\(binds: s))" }
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
    public func listIssuedQuotas(caller: Principal, query: Call) async throws -> QuotaList {
        let quotaID = Check.nonEmpty(query.query("quota_id"))
        let reseller = Check.nonEmpty(query.query("indirect_partner_id"))
        let parent = query.query("parent_quota_id")
        try Check.length(quotaID, "quota_id", max: 64)
        try Check.length(reseller, "indirect_partner_id", max: 64)
        try Check.length(parent, "parent_quota_id", max: 64)
        let page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
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
    public func quotaRecords(caller: Principal, query: Call) async throws -> QuotaRecordList {
        let reseller = Check.nonEmpty(query.query("indirect_partner_id"))
        let quotaID = Check.nonEmpty(query.query("quota_id"))
        let parent = Check.nonEmpty(query.query("parent_quota_id"))
        // A non-enum value means no filter, as documented.
        let opType = Check.nonEmpty(query.query("operation_type")).flatMap { $0 == "10" || $0 == "11" ? $0 : nil }
        for (v, f, m) in [(reseller, "indirect_partner_id", 64), (quotaID, "quota_id", 64), (parent, "parent_quota_id", 64)] { try Check.length(v, f, max: m) }
        if query.query("operation_time_begin") == "" { throw Refusal.parameter("operation_time_begin", "must not be an empty string") }
        if query.query("operation_time_end") == "" { throw Refusal.parameter("operation_time_end", "must not be an empty string") }
        let begin = try Self.time(query.query("operation_time_begin"), "operation_time_begin")
        let end = try Self.time(query.query("operation_time_end"), "operation_time_end")
        let page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
        return try await database.read { db in
            var filter: SQLQueryString = "r.scope = 'quota' AND r.partner_id = \(bind: caller.domainID)"
            if let reseller { filter += " AND r.indirect_partner_id = \(bind: reseller)" }
            if let quotaID { filter += " AND r.quota_id = \(bind: quotaID)" }
            if let parent { filter += " AND r.parent_quota_id = \(bind: parent)" }
            if let opType { filter += " AND r.operation_type = \(bind: opType)" }
            Self.timeRange(&filter, "r.created_at", begin, end)
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
    public func listCoupons(caller: Principal, query: Call) async throws -> IssuedCouponList {
        let couponID = Check.nonEmpty(query.query("coupon_id"))
        let customerID = Check.nonEmpty(query.query("customer_id"))
        let orderID = Check.nonEmpty(query.query("order_id"))
        let indirect = Check.nonEmpty(query.query("indirect_partner_id"))
        for (v, f) in [(couponID, "coupon_id"), (customerID, "customer_id"), (orderID, "order_id"), (indirect, "indirect_partner_id")] { try Check.length(v, f, max: 64) }
        let couponType = try query.queryInt("coupon_type")
        if let t = couponType, t != 1 && t != 4 { throw Refusal.parameter("coupon_type", "must be 1 or 4") }
        let status = try query.queryInt("status")
        try Check.range(status, "status", 1...5)
        let ranges = [("c.created_at", try Self.time(query.query("create_time_begin"), "create_time_begin"), try Self.time(query.query("create_time_end"), "create_time_end")),
                      ("c.effective_at", try Self.time(query.query("effective_time_begin"), "effective_time_begin"), try Self.time(query.query("effective_time_end"), "effective_time_end")),
                      ("c.expires_at", try Self.time(query.query("expire_time_begin"), "expire_time_begin"), try Self.time(query.query("expire_time_end"), "expire_time_end"))]
        let page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
        let now = try await database.businessNow()
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirect)
            // Coupons expired more than two years ago are no longer shown.
            var filter: SQLQueryString = "c.partner_id = \(bind: owner) AND c.expires_at > \(bind: now - 2 * 366 * 86_400_000)"
            if let couponID { filter += " AND c.id = \(bind: couponID)" }
            if let customerID { filter += " AND c.customer_id = \(bind: customerID)" }
            if orderID != nil { filter += " AND 1 = 0" }  // no orders have used coupons yet
            if let couponType { filter += " AND c.coupon_type = \(bind: couponType)" }
            if let status { filter += " AND \(Self.couponStatus(now: now)) = \(bind: status)" }
            for (column, b, e) in ranges { Self.timeRange(&filter, column, b, e) }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM coupons c WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT c.*, \(Self.couponStatus(now: now)) AS derived_status, l.balance FROM coupons c JOIN ledger_accounts l ON l.id = c.ledger_account
                WHERE \(filter) ORDER BY c.created_at DESC, c.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return IssuedCouponList(totalCount: total, userCoupons: try rows.map { r in
                let id = try r.decode(column: "id", as: String.self)
                let limits = Self.decodeLimits(try r.decode(column: "limits", as: String.self))
                var uses: [CouponUseLimit] = []
                for (i, l) in limits.enumerated() {
                    for (j, v) in l.limitValues.enumerated() {
                        uses.append(CouponUseLimit(useLimitiInfoID: "\(id)-\(i)-\(j)", limitKey: l.limitKey, value1: v.value1 ?? "", value2: v.value2 ?? "",
                                                   valueUnit: "", limitType: "", promotionPlanID: ""))
                    }
                }
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

    /// ListPartnerCouponsRecord
    public func couponRecords(caller: Principal, query: Call) async throws -> CouponRecordList {
        let types = query.query.filter { $0.0 == "operation_types" }.map(\.1)
        let couponIDs = query.query.filter { $0.0 == "coupon_ids" }.map(\.1).filter { !$0.isEmpty }
        guard types.count <= 8 else { throw Refusal.parameter("operation_types", "has more than 8 entries") }
        guard couponIDs.count <= 100 else { throw Refusal.parameter("coupon_ids", "has more than 100 entries") }
        for t in types where !t.isEmpty { try Check.oneOf(t, "operation_types", Set((1...9).map(String.init))) }
        let quotaID = Check.nonEmpty(query.query("quota_id"))
        let customerID = Check.nonEmpty(query.query("customer_id"))
        let indirect = Check.nonEmpty(query.query("indirect_partner_id"))
        for (v, f) in [(quotaID, "quota_id"), (customerID, "customer_id"), (indirect, "indirect_partner_id")] { try Check.length(v, f, max: 64) }
        let quotaType = try query.queryInt("quota_type")
        if let t = quotaType, t != 0 && t != 1 { throw Refusal.parameter("quota_type", "must be 0 or 1") }
        // A non-enum value is ignored, as documented.
        let result = Check.nonEmpty(query.query("result")).flatMap { $0 == "0" || $0 == "-1" ? $0 : nil }
        let begin = try Self.time(query.query("operation_time_begin"), "operation_time_begin")
        let end = try Self.time(query.query("operation_time_end"), "operation_time_end")
        let page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
        let typesGiven = query.query.contains { $0.0 == "operation_types" }
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirect)
            var filter: SQLQueryString = "r.scope = 'coupon' AND r.partner_id = \(bind: owner)"
            if typesGiven {
                let real = types.filter { !$0.isEmpty }
                filter += real.isEmpty ? " AND 1 = 0" : " AND r.operation_type IN (\(binds: real))"
            }
            if !couponIDs.isEmpty { filter += " AND r.coupon_id IN (\(binds: couponIDs))" }
            if let quotaID { filter += " AND r.quota_id = \(bind: quotaID)" }
            if let customerID { filter += " AND r.customer_id = \(bind: customerID)" }
            if let quotaType { filter += " AND r.quota_type = \(bind: quotaType)" }
            if let result { filter += " AND r.result = \(bind: result)" }
            Self.timeRange(&filter, "r.created_at", begin, end)
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
