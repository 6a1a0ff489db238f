import Foundation
import SQLKit

extension FundsStore {
    static let adjustKinds = ["SOURCE_OPERATION_BEADJUST": "BEADJUST", "SOURCE_OPERATION_BERETRIEVE": "BERETRIEVE", "SOURCE_OPERATION_BEUNBIND": "BEUNBIND"]

    /// ListPartnerAdjustRecords: the partner's grants and reclaims (to customers and, for a
    /// distributor, to its resellers). A customer not under the caller yields an empty list.
    public func adjustRecords(caller: Principal, _ q: AdjustRecordsQuery) async throws -> AdjustRecordsResponse {
        let customerID = q.customerID, opType = q.operationType, transID = q.transID, indirect = q.indirectPartnerID
        let begin = q.begin, end = q.end, page = q.page
        return try await database.read { db in
            let partner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirect)
            var filter: SQLQueryString = "t.partner_id = \(bind: partner) AND t.kind IN ('BEADJUST', 'BERETRIEVE', 'BEUNBIND')"
            if let customerID { filter += " AND t.counterparty_id = \(bind: customerID)" }
            if let opType { filter += " AND t.kind = \(bind: Self.adjustKinds[opType]!)" }
            if let transID { filter += " AND t.id = \(bind: transID)" }
            if let begin { filter += " AND t.created_at >= \(bind: begin)" }
            if let end { filter += " AND t.created_at <= \(bind: end)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM transfers t WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT t.id, t.kind, t.amount, t.created_at, t.counterparty_id, a.name
                FROM transfers t LEFT JOIN accounts a ON a.id = t.counterparty_id
                WHERE \(filter) ORDER BY t.created_at DESC, t.id DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            let records = try rows.map { r in
                AdjustRecord(customerID: try r.decode(column: "counterparty_id", as: String.self),
                             customerName: try r.decode(column: "name", as: String?.self) ?? "",
                             operationType: "SOURCE_OPERATION_" + (try r.decode(column: "kind", as: String.self)),
                             amount: Units.text(try r.decode(column: "amount", as: Int64.self)), currency: Ledger.currency, applyScene: "",
                             operationTime: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)), measureID: 1,
                             transID: try r.decode(column: "id", as: String.self), memo: "")
            }
            return AdjustRecordsResponse(totalCount: total, records: records)
        }
    }

    static let tradeTypes: Set<String> = ["RECHARGE", "DEDEUCT", "REFUND", "RFROZEN", "TRANS", "ADJUST", "BEADJUST", "BERETRIEVE", "BEUNBIND",
                                          "BONUSCONVERT", "TRADE_MODE_TRANSFER"]

    /// The transfer kinds a `trade_type` filter names (DEDEUCT: charges and order payments).
    static func kinds(ofTradeType t: String) -> [String] { t == "DEDEUCT" ? ["DEDEUCT", "ORDER_PAY"] : [t] }

    static func detailType(_ kind: String) -> String {
        switch kind {
        case "BEADJUST", "BERETRIEVE", "BEUNBIND": return "SOURCE_OPERATION_" + kind
        case "ADJUST": return "SOURCE_OPERAIION_ADJUST_CREDIT"
        // An order paid in cash or credit is yearly/monthly consumption, as Huawei shows it.
        case "ORDER_PAY": return "SOURCE_OPERAIION_DEDEUCT"
        default: return "SOURCE_OPERAIION_" + kind  // Huawei's own spelling
        }
    }

    /// trade_time_begin/end as Beijing days, at most a year apart; by default the year up to
    /// today on the business clock. Returns the start of the first and of the last day.
    func tradeWindow(_ days: TradeDays) async throws -> (begin: Int64, end: Int64) {
        try days.window(today: WireTime.beijingDayStart(try await database.businessNow()))
    }

    /// ListPartnerAccountChangeRecords: the lines of the partner's own cash or credit account.
    public func changeRecords(caller: Principal, _ q: ChangeRecordsQuery) async throws -> AccountChangeRecordsResponse {
        let balanceType = q.balanceType, tradeType = q.tradeType, indirect = q.indirectPartnerID
        let (begin, end) = try await tradeWindow(q.tradeDays)
        let page = try q.page
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: indirect)
            let account = Ledger.accountID(owner: owner, type: balanceType == "BALANCE_TYPE_DEBIT" ? .cash : .credit)
            var filter: SQLQueryString = "(t.from_account = \(bind: account) OR t.to_account = \(bind: account)) AND t.created_at >= \(bind: begin) AND t.created_at < \(bind: end + WireTime.dayMillis)"
            if let tradeType { filter += " AND t.kind IN (\(binds: Self.kinds(ofTradeType: tradeType)))" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM transfers t WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT t.id, t.kind, t.amount, t.created_at, t.counterparty_id, a.name,
                       CASE WHEN t.from_account = \(bind: account) THEN '2' ELSE '1' END AS direction,
                       CASE WHEN t.from_account = \(bind: account) THEN t.from_balance_after ELSE t.to_balance_after END AS after,
                       CASE WHEN t.from_account = \(bind: account) THEN t.from_version ELSE t.to_version END AS line
                FROM transfers t LEFT JOIN accounts a ON a.id = t.counterparty_id
                WHERE \(filter) ORDER BY line DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            let records = try rows.map { r in
                let kind = try r.decode(column: "kind", as: String.self)
                let counterparty = ["BEADJUST", "BERETRIEVE", "BEUNBIND"].contains(kind) ? try r.decode(column: "counterparty_id", as: String?.self) : nil
                return AccountChangeRecord(
                    accountChangeID: "\(account)-\(try r.decode(column: "line", as: Int64.self))", tradeDetailType: Self.detailType(kind),
                    tradeTime: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)), tradeID: try r.decode(column: "id", as: String.self),
                    changeAmount: Units.text(try r.decode(column: "amount", as: Int64.self)),
                    balanceAfterChange: Units.text(try r.decode(column: "after", as: Int64.self)),
                    type: try r.decode(column: "direction", as: String.self), customerID: counterparty ?? "",
                    accountName: counterparty == nil ? "" : (try r.decode(column: "name", as: String?.self) ?? ""))
            }
            return AccountChangeRecordsResponse(totalCount: total, currency: Ledger.currency, records: records)
        }
    }
}

/// CustomerAccountChangeRecord
public struct CustomerAccountChangeRecord: Codable, Sendable {
    public var accountChangeID: String
    public var tradeDetailType: String
    public var tradeTime: String
    public var tradeID: String
    public var changeAmount: String
    public var balanceAfterChange: String
    public var revenueExpenseType: String
    public var billCycle: String
    public var paymentChannelID: String
    public var paymentChannelNo: String
    public var consumeTime: String
    public var accountName: String
    public var cloudServiceTypeName: String
    public var resourceTypeName: String
    enum CodingKeys: String, CodingKey {
        case accountChangeID = "account_change_id", tradeDetailType = "trade_detail_type", tradeTime = "trade_time", tradeID = "trade_id"
        case changeAmount = "change_amount", balanceAfterChange = "balance_after_change", revenueExpenseType = "revenue_expense_type"
        case billCycle = "bill_cycle", paymentChannelID = "payment_channel_id", paymentChannelNo = "payment_channel_no", consumeTime = "consume_time"
        case accountName = "account_name", cloudServiceTypeName = "cloud_service_type_name", resourceTypeName = "resource_type_name"
    }
}

public struct CustomerAccountChangeRecords: Codable, Sendable {
    public var totalCount: Int
    public var currency: String
    public var records: [CustomerAccountChangeRecord]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", currency, records }
}

extension FundsStore {
    static let customerTradeTypes: Set<String> = ["RECHARGE", "DEDEUCT", "REFUND", "RFROZEN", "TRANS", "ADJUST", "BEUNBIND", "EXPIRED", "BONUSCONVERT",
                                                  "TRADE_MODE_TRANSFER", "DEPOSIT", "BEADJUST", "BERETRIEVE"]

    /// ListCustomerAccountChangeRecords: the lines of the customer's own cash or credit account
    /// (grants and reclaims by its partner, usage and subscription payments, refunds).
    public func customerChangeRecords(caller: Principal, _ q: CustomerChangeRecordsQuery) async throws -> CustomerAccountChangeRecords {
        let balanceType = q.balanceType, direction = q.revenueExpenseType, tradeType = q.tradeType, tradeID = q.tradeID
        let (begin, end) = try await tradeWindow(q.tradeDays)
        let page = try q.page
        return try await database.read { db in
            let account = Ledger.accountID(owner: caller.domainID, type: balanceType == "BALANCE_TYPE_DEBIT" ? .cash : .credit)
            var filter: SQLQueryString = "(t.from_account = \(bind: account) OR t.to_account = \(bind: account)) AND t.created_at >= \(bind: begin) AND t.created_at < \(bind: end + WireTime.dayMillis)"
            if let tradeType { filter += " AND t.kind IN (\(binds: Self.kinds(ofTradeType: tradeType)))" }
            if let tradeID { filter += " AND t.id = \(bind: tradeID)" }
            if let direction { filter += direction == "EXPENSE" ? " AND t.from_account = \(bind: account)" : " AND t.to_account = \(bind: account)" }
            let total = try await db.raw("SELECT COUNT(*) AS n FROM transfers t WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT t.id, t.kind, t.amount, t.created_at,
                       CASE WHEN t.from_account = \(bind: account) THEN 'EXPENSE' ELSE 'REVENUE' END AS direction,
                       CASE WHEN t.from_account = \(bind: account) THEN t.from_balance_after ELSE t.to_balance_after END AS after,
                       CASE WHEN t.from_account = \(bind: account) THEN t.from_version ELSE t.to_version END AS line
                FROM transfers t WHERE \(filter) ORDER BY line DESC LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            return CustomerAccountChangeRecords(totalCount: total, currency: Ledger.currency, records: try rows.map { r in
                let at = try r.decode(column: "created_at", as: Int64.self)
                return CustomerAccountChangeRecord(
                    accountChangeID: "\(account)-\(try r.decode(column: "line", as: Int64.self))", tradeDetailType: Self.detailType(try r.decode(column: "kind", as: String.self)),
                    tradeTime: WireTime.utc(at), tradeID: try r.decode(column: "id", as: String.self),
                    changeAmount: Units.text(try r.decode(column: "amount", as: Int64.self)), balanceAfterChange: Units.text(try r.decode(column: "after", as: Int64.self)),
                    revenueExpenseType: try r.decode(column: "direction", as: String.self), billCycle: BillingStore.cycle(at), paymentChannelID: "",
                    paymentChannelNo: "", consumeTime: WireTime.utc(at), accountName: caller.domainName, cloudServiceTypeName: "", resourceTypeName: "")
            })
        }
    }
}
