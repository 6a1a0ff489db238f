import Foundation
import SQLKit

extension BillingStore {
    /// A `YYYY-MM` cycle as a count of months.
    private static func monthIndex(_ s: String) -> Int { Int(s.prefix(4))! * 12 + Int(s.suffix(2))! - 1 }

    /// Months between two `YYYY-MM` cycles (b − a).
    static func months(_ a: String, _ b: String) -> Int { monthIndex(b) - monthIndex(a) }

    /// The `YYYY-MM` `n` months before `month` (after it, for negative `n`).
    static func monthsBefore(_ month: String, _ n: Int) -> String { WireTime.month(month, plus: -n) }

    /// Partner Center's views of customers' bills reach back 18 months from the business
    /// clock's month (Huawei's window for ListSubCustomerBillDetail and ListSubcustomerMonthlyBills).
    static let billWindowMonths = 18

    static func checkWindow(_ cycle: String, _ field: String, now: Int64) throws {
        guard months(cycle, Self.cycle(now)) <= billWindowMonths else {
            throw Refusal.parameter(field, "must be within the last \(billWindowMonths) months")
        }
    }

    static let names: SQLQueryString = """
        LEFT JOIN catalog_service_types st ON st.code = f.service_type LEFT JOIN catalog_resource_types rt ON rt.code = f.resource_type
        JOIN accounts a ON a.id = f.customer_id
        """

    static func d(_ r: any SQLRow, _ c: String) throws -> Decimal { Units.decimal(try r.decode(column: c, as: Int64.self)) }

    // MARK: customer

    public func customerMonthlySum(caller: Principal, _ q: CustomerMonthlySumQuery) async throws -> CustomerMonthlySum {
        let cycle = q.cycle, service = q.serviceTypeCode, method = q.method, page = q.page
        return try await database.read { db in
            // This platform has no enterprise sub-accounts: sub_customer selects nothing.
            var filter: SQLQueryString = "f.customer_id = \(bind: caller.domainID) AND f.bill_cycle = \(bind: cycle)"
            if method == "sub_customer" { filter += " AND 1 = 0" }
            if let service { filter += " AND f.service_type = \(bind: service)" }
            let billType: SQLQueryString = "(CASE WHEN f.bill_type = 4 THEN 2 ELSE 1 END)"
            // Read from the daily sums (kept with every fee record): a few rows per month.
            let grouped: SQLQueryString = """
                SELECT f.service_type, f.resource_type, f.charging_mode, \(billType) AS bt, MAX(st.name_zh) AS sname, MAX(rt.name_zh) AS rname, MAX(a.name) AS aname,
                       CAST(SUM(f.official) AS BIGINT) AS official, CAST(SUM(f.discount) AS BIGINT) AS discount, CAST(SUM(f.truncated) AS BIGINT) AS truncated,
                       CAST(SUM(f.consume) AS BIGINT) AS consume, CAST(SUM(f.cash) AS BIGINT) AS cash, CAST(SUM(f.credit) AS BIGINT) AS credit,
                       CAST(SUM(f.coupon) AS BIGINT) AS coupon, CAST(SUM(f.debt) AS BIGINT) AS debt
                FROM bill_day_sums f \(Self.names) WHERE \(filter)
                GROUP BY f.service_type, f.resource_type, f.charging_mode, \(billType)
                """
            let all = try await db.raw("\(grouped) ORDER BY f.service_type, f.resource_type, f.charging_mode, bt").all()
            var rows: [BillSumRecord] = []
            for r in all {
                rows.append(BillSumRecord(
                    billCycle: cycle, customerID: caller.domainID, accountName: try r.decode(column: "aname", as: String?.self) ?? caller.domainName,
                    serviceTypeCode: try r.decode(column: "service_type", as: String.self), serviceTypeName: try r.decode(column: "sname", as: String?.self) ?? "",
                    resourceTypeCode: try r.decode(column: "resource_type", as: String.self), resourceTypeName: try r.decode(column: "rname", as: String?.self) ?? "",
                    chargingMode: try r.decode(column: "charging_mode", as: Int.self), billType: try r.decode(column: "bt", as: Int.self),
                    officialAmount: try Self.d(r, "official"), officialDiscountAmount: try Self.d(r, "discount"), truncatedAmount: try Self.d(r, "truncated"),
                    consumeAmount: try Self.d(r, "consume"), couponAmount: try Self.d(r, "coupon"), flexipurchaseCouponAmount: 0, storedValueCardAmount: 0,
                    debtAmount: try Self.d(r, "debt"), writeoffAmount: 0, cashAmount: try Self.d(r, "cash"), creditAmount: try Self.d(r, "credit"), measureID: 1))
            }
            func total(_ k: KeyPath<BillSumRecord, Decimal>) -> Decimal { rows.reduce(Decimal(0)) { $0 + $1[keyPath: k] } }
            // Totals cover every matching row, not just the page.
            return CustomerMonthlySum(totalCount: rows.count, billSums: Array(rows.dropFirst(page.offset).prefix(page.limit)),
                                      consumeAmount: total(\.consumeAmount), debtAmount: total(\.debtAmount), couponAmount: total(\.couponAmount),
                                      flexipurchaseCouponAmount: 0, storedValueCardAmount: 0, cashAmount: total(\.cashAmount), creditAmount: total(\.creditAmount),
                                      writeoffAmount: 0, measureID: 1, currency: Ledger.currency)
        }
    }

    public func customerFeeRecords(caller: Principal, _ q: CustomerFeeRecordsQuery) async throws -> FeeRecordList {
        let cycle = q.cycle, provider = q.providerType, charging = q.chargingMode, billType = q.billType, status = q.status, method = q.method
        let includeZero = q.includeZeroRecord, window = q.days, page = q.page
        return try await database.read { db in
            var filter: SQLQueryString = "f.customer_id = \(bind: caller.domainID) AND f.bill_cycle = \(bind: cycle)"
            if method == "sub_customer" || provider == 2 { filter += " AND 1 = 0" }
            for (value, col) in [(q.serviceTypeCode, "f.service_type"), (q.resourceTypeCode, "f.resource_type"), (q.regionCode, "f.region"), (q.tradeID, "f.trade_id")] {
                if let v = value { filter += " AND \(unsafeRaw: col) = \(bind: v)" }
            }
            if let charging { filter += " AND f.charging_mode = \(bind: charging)" }
            if let billType { filter += " AND f.bill_type = \(bind: billType)" }
            if let status { filter += status == 2 ? " AND f.debt > 0" : status == 1 ? " AND f.debt = 0" : " AND 1 = 0" }
            if !includeZero { filter += " AND f.consume <> 0" }
            if let (b, e) = window { filter += " AND f.consume_begin >= \(bind: b) AND f.consume_begin < \(bind: e)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM fee_records f WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT f.*, st.name_zh AS sname, rt.name_zh AS rname, a.name AS aname FROM fee_records f \(Self.names)
                WHERE \(filter) ORDER BY f.trade_time DESC, f.id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return FeeRecordList(totalCount: total, records: try rows.map { r in
                FeeRecordView(
                    billCycle: cycle, customerID: caller.domainID, accountName: try r.decode(column: "aname", as: String.self),
                    serviceTypeCode: try r.decode(column: "service_type", as: String.self), serviceTypeName: try r.decode(column: "sname", as: String?.self) ?? "",
                    resourceTypeCode: try r.decode(column: "resource_type", as: String.self), resourceTypeName: try r.decode(column: "rname", as: String?.self) ?? "",
                    regionCode: try r.decode(column: "region", as: String.self), regionName: try r.decode(column: "region", as: String.self),
                    enterpriseProjectID: "0", enterpriseProjectName: "default", chargingMode: try r.decode(column: "charging_mode", as: Int.self),
                    consumeTime: WireTime.utc(try r.decode(column: "consume_begin", as: Int64.self)), tradeTime: WireTime.utc(try r.decode(column: "trade_time", as: Int64.self)),
                    providerType: 1, tradeID: try r.decode(column: "trade_id", as: String.self), id: try r.decode(column: "id", as: String.self),
                    billType: try r.decode(column: "bill_type", as: Int.self), status: try r.decode(column: "debt", as: Int64.self) > 0 ? 2 : 1,
                    officialAmount: try Self.d(r, "official"), officialDiscountAmount: try Self.d(r, "discount"), eraseAmount: try Self.d(r, "truncated"),
                    consumeAmount: try Self.d(r, "consume"), cashAmount: try Self.d(r, "cash"), creditAmount: try Self.d(r, "credit"), couponAmount: try Self.d(r, "coupon"),
                    flexipurchaseCouponAmount: 0, storedValueCardAmount: 0, bonusAmount: 0, debtAmount: try Self.d(r, "debt"), writeoffAmount: 0)
            }, currency: Ledger.currency)
        }
    }

    // MARK: partner

    /// The partners whose customers' spend a call covers: a distributor sees its resellers'
    /// customers too, or one reseller's with indirect_partner_id.
    static func partnerScope(_ db: any SQLDatabase, caller: Principal, indirect: String?, includeResellers: Bool) async throws -> [String] {
        if let indirect { return [try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirect)] }
        guard includeResellers, caller.kind == .distributor else { return [caller.domainID] }
        let resellers = try await db.raw("SELECT id FROM accounts WHERE kind = 'reseller' AND parent_id = \(bind: caller.domainID)").all().map { try $0.decode(column: "id", as: String.self) }
        return [caller.domainID] + resellers
    }

    public func subCustomerFeeRecords(caller: Principal, _ q: SubCustomerFeeRecordsQuery) async throws -> SubCustomerFeeRecordList {
        let cycle = q.cycle, charging = q.chargingMode, detail = q.billDetailType, window = q.days, page = q.page
        let now = try await database.businessNow()
        try Self.checkWindow(cycle, "bill_cycle", now: now)
        return try await database.read { db in
            let scope = try await Self.partnerScope(db, caller: caller, indirect: q.indirectPartnerID, includeResellers: true)
            var filter: SQLQueryString = "f.partner_id IN (\(binds: scope)) AND f.bill_cycle = \(bind: cycle)"
            for (value, col) in [(q.customerID, "f.customer_id"), (q.serviceTypeCode, "f.service_type"), (q.regionCode, "f.region"), (q.resourceID, "f.resource_id"),
                                 (q.resourceName, "f.resource_name"), (q.tradeID, "f.trade_id")] {
                if let v = value { filter += " AND \(unsafeRaw: col) = \(bind: v)" }
            }
            if q.accountManagerID != nil { filter += " AND 1 = 0" }  // no account managers here
            if let charging { filter += " AND f.charging_mode = \(bind: charging)" }
            if let detail { filter += " AND f.bill_type = \(bind: detail)" }
            if let a = q.associationType { filter += " AND c.association_type = \(bind: a)" }
            if let (b, e) = window { filter += " AND f.consume_begin >= \(bind: b) AND f.consume_begin < \(bind: e)" }
            let from: SQLQueryString = "fee_records f JOIN customers c ON c.id = f.customer_id"
            let total = try await db.raw("SELECT COUNT(*) AS n FROM \(from) WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT f.*, c.association_type, st.name_zh AS sname, rt.name_zh AS rname FROM fee_records f JOIN customers c ON c.id = f.customer_id
                LEFT JOIN catalog_service_types st ON st.code = f.service_type LEFT JOIN catalog_resource_types rt ON rt.code = f.resource_type
                WHERE \(filter) ORDER BY f.trade_time DESC, f.id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return SubCustomerFeeRecordList(totalCount: total, currency: Ledger.currency, feeRecords: try rows.map { r in
                let spec = try r.decode(column: "resource_spec", as: String.self)
                return SubCustomerFeeRecord(
                    billCycle: cycle, customerID: try r.decode(column: "customer_id", as: String.self),
                    associationType: try r.decode(column: "association_type", as: String.self),
                    serviceTypeCode: try r.decode(column: "service_type", as: String.self), serviceTypeName: try r.decode(column: "sname", as: String?.self) ?? "",
                    resourceTypeCode: try r.decode(column: "resource_type", as: String.self), resourceTypeName: try r.decode(column: "rname", as: String?.self) ?? "",
                    chargingMode: try r.decode(column: "charging_mode", as: Int.self), tradeTime: WireTime.utc(try r.decode(column: "trade_time", as: Int64.self)),
                    tradeID: try r.decode(column: "trade_id", as: String.self), id: try r.decode(column: "id", as: String.self),
                    billDetailType: try r.decode(column: "bill_type", as: Int.self), resourceID: try r.decode(column: "resource_id", as: String.self),
                    resourceName: try r.decode(column: "resource_name", as: String.self), productSpecDesc: spec,
                    regionCode: try r.decode(column: "region", as: String.self), regionName: try r.decode(column: "region", as: String.self),
                    productID: try r.decode(column: "product_id", as: String.self), productName: spec,
                    consumeTime: WireTime.utc(try r.decode(column: "consume_begin", as: Int64.self)),
                    usageType: try r.decode(column: "usage_type", as: String?.self),
                    usageAmount: try r.decode(column: "usage_value", as: String?.self).flatMap(Money.parse),
                    usageMeasureID: try r.decode(column: "usage_measure_id", as: Int?.self),
                    // Usage records show 0 when no package covered them; subscriptions show nothing.
                    freeResourceUsage: try r.decode(column: "free_usage", as: String?.self).flatMap(Money.parse)
                        ?? (try r.decode(column: "usage_type", as: String?.self) == nil ? nil : 0),
                    freeResourceMeasureID: try r.decode(column: "free_measure_id", as: Int?.self) ?? (try r.decode(column: "usage_measure_id", as: Int?.self)),
                    officialAmount: try Self.d(r, "official"), officialDiscountAmount: try Self.d(r, "discount"), paymentAmount: try Self.d(r, "consume"),
                    cashAmount: try Self.d(r, "cash"), creditAmount: try Self.d(r, "credit"), couponAmount: try Self.d(r, "coupon"),
                    flexipurchaseCouponAmount: 0, storedValueCardAmount: 0, debtAmount: try Self.d(r, "debt"), writeoffAmount: 0,
                    partnerID: try r.decode(column: "partner_id", as: String.self), enterpriseProjectID: "0")
            })
        }
    }

    /// ListSubcustomerMonthlyBills: per customer × service × resource type × bill type ×
    /// charge mode, with data up to 24:00 (Beijing) of the previous business day.
    public func partnerMonthlyBills(caller: Principal, _ q: PartnerMonthlyBillsQuery) async throws -> PartnerBillSumList {
        let cycle = q.cycle, chargeMode = q.chargeMode, billType = q.billType, page = q.page
        let now = try await database.businessNow()
        try Self.checkWindow(cycle, "cycle", now: now)
        let todayStart = WireTime.beijingDayStart(now)
        return try await database.read { db in
            let scope = try await Self.partnerScope(db, caller: caller, indirect: q.indirectPartnerID, includeResellers: false)
            // Whole Beijing days before today: the month's sums less those of today and later.
            let today = (todayStart + WireTime.beijingOffset) / 86_400_000
            var filter: SQLQueryString = "m.partner_id IN (\(binds: scope)) AND m.bill_cycle = \(bind: cycle) AND m.charging_mode = \(bind: chargeMode) AND c.association_type = '2'"
            if let v = q.customerID { filter += " AND m.customer_id = \(bind: v)" }
            if let v = q.cloudServiceType { filter += " AND m.service_type = \(bind: v)" }
            // Rows folded into Huawei's bill types (4 refund → 1, the rest consumption → 0),
            // grouped, ordered and paged by the database: only one page is decoded.
            let folded: SQLQueryString = "(CASE WHEN m.bill_type = 4 THEN '1' ELSE '0' END)"
            if let billType { filter += " AND \(folded) = \(bind: billType)" }
            let base: SQLQueryString = """
                SELECT m.customer_id, m.service_type, m.resource_type, m.charging_mode, \(folded) AS bt, st.name_zh AS sname, rt.name_zh AS rname,
                       m.consume - COALESCE(d.consume, 0) AS consume, m.discount - COALESCE(d.discount, 0) AS discount, m.cash - COALESCE(d.cash, 0) AS cash,
                       m.credit - COALESCE(d.credit, 0) AS credit, m.coupon - COALESCE(d.coupon, 0) AS coupon, m.debt - COALESCE(d.debt, 0) AS debt
                FROM bill_month_sums m JOIN customers c ON c.id = m.customer_id
                LEFT JOIN (SELECT customer_id, service_type, resource_type, charging_mode, bill_type, CAST(SUM(consume) AS BIGINT) AS consume,
                                  CAST(SUM(discount) AS BIGINT) AS discount, CAST(SUM(cash) AS BIGINT) AS cash, CAST(SUM(credit) AS BIGINT) AS credit,
                                  CAST(SUM(coupon) AS BIGINT) AS coupon, CAST(SUM(debt) AS BIGINT) AS debt, CAST(SUM(fees) AS BIGINT) AS fees
                           FROM bill_day_sums WHERE partner_id IN (\(binds: scope)) AND bill_cycle = \(bind: cycle) AND day >= \(bind: today)
                           GROUP BY customer_id, service_type, resource_type, charging_mode, bill_type) d
                  ON d.customer_id = m.customer_id AND d.service_type = m.service_type AND d.resource_type = m.resource_type
                 AND d.charging_mode = m.charging_mode AND d.bill_type = m.bill_type
                LEFT JOIN catalog_service_types st ON st.code = m.service_type LEFT JOIN catalog_resource_types rt ON rt.code = m.resource_type
                WHERE \(filter) AND m.fees - COALESCE(d.fees, 0) > 0
                """
            let groups: SQLQueryString = "customer_id, service_type, resource_type, charging_mode, bt"
            let binary: SQLQueryString = database.backend == .postgres ? " COLLATE \"C\"" : ""
            let count = try await db.raw("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM (\(base)) b GROUP BY \(groups)) g")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await db.raw("""
                SELECT customer_id, service_type, resource_type, charging_mode, bt, MAX(sname) AS sname, MAX(rname) AS rname,
                       CAST(SUM(consume) AS BIGINT) AS consume, CAST(SUM(discount) AS BIGINT) AS discount, CAST(SUM(cash) AS BIGINT) AS cash,
                       CAST(SUM(credit) AS BIGINT) AS credit, CAST(SUM(coupon) AS BIGINT) AS coupon, CAST(SUM(debt) AS BIGINT) AS debt
                FROM (\(base)) b GROUP BY \(groups)
                ORDER BY customer_id\(binary), service_type\(binary), resource_type\(binary), bt, charging_mode
                LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return PartnerBillSumList(billSums: try rows.map { r in
                func v(_ c: String) throws -> Int64 { try r.decode(column: c, as: Int64.self) }
                let bt = try r.decode(column: "bt", as: String.self)
                var details: [BalanceDeductSum] = []
                for (type, col) in [("BALANCE_TYPE_DEBIT", "cash"), ("BALANCE_TYPE_CREDIT", "credit"), ("BALANCE_TYPE_COUPON", "coupon")] {
                    let amount = try v(col)
                    if amount != 0 { details.append(BalanceDeductSum(balanceType: type, amount: Units.decimal(amount), billType: bt)) }
                }
                return PartnerBillSum(customerID: try r.decode(column: "customer_id", as: String.self),
                                      cloudServiceType: try r.decode(column: "service_type", as: String.self),
                                      cloudServiceTypeName: try r.decode(column: "sname", as: String?.self) ?? "",
                                      resourceTypeCode: try r.decode(column: "resource_type", as: String.self),
                                      resourceTypeName: try r.decode(column: "rname", as: String?.self) ?? "", billType: bt,
                                      chargeMode: String(try r.decode(column: "charging_mode", as: Int.self)),
                                      amount: Units.decimal(try v("consume")), debtAmount: Units.decimal(try v("debt")), adjustmentAmount: 0,
                                      discountAmount: Units.decimal(try v("discount")), measureID: 1, accountDetails: details)
            }, count: count, currency: Ledger.currency)
        }
    }
}
