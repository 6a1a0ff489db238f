import Foundation

// The GET operations' query strings, parsed and checked: what the funds store reads them as.

/// ListPartnerBalances
public struct PartnerBalancesQuery: Sendable {
    public var indirectPartnerID: String?

    public init(_ query: QueryParameters) throws {
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        try Check.length(indirectPartnerID, "indirect_partner_id", max: 64)
    }
}

/// ListPartnerAdjustRecords
public struct AdjustRecordsQuery: Sendable {
    public var customerID: String?
    /// One of `FundsStore.adjustKinds`' keys (SOURCE_OPERATION_…).
    public var operationType: String?
    public var transID: String?
    public var indirectPartnerID: String?
    /// From the first millisecond of operation_time_begin to the last of operation_time_end.
    public var begin: Int64?
    public var end: Int64?
    public var page: Page

    public init(_ query: QueryParameters) throws {
        customerID = Check.nonEmpty(query["customer_id"])
        operationType = Check.nonEmpty(query["operation_type"])
        transID = Check.nonEmpty(query["trans_id"])
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        try Check.length(customerID, "customer_id", max: 64)
        try Check.length(operationType, "operation_type", max: 64)
        try Check.length(transID, "trans_id", max: 128)
        try Check.length(indirectPartnerID, "indirect_partner_id", max: 64)
        try Check.oneOf(operationType, "operation_type", Set(FundsStore.adjustKinds.keys))
        begin = try Check.utcTime(Check.nonEmpty(query["operation_time_begin"]), "operation_time_begin")
        end = try Check.utcTimeEnd(Check.nonEmpty(query["operation_time_end"]), "operation_time_end")
        page = try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max))
    }
}

/// trade_time_begin/end as given: Beijing days, each the UTC millisecond it starts at. Which
/// days they default to, and whether they lie within a year, depends on the business clock's
/// today, so the store settles the window (`FundsStore.tradeWindow`).
public struct TradeDays: Sendable, Equatable {
    public var begin: Int64?
    public var end: Int64?

    /// `YYYY-MM-DD` as a Beijing-time day: the UTC millisecond it starts at.
    static func beijingDay(_ text: String?, _ field: String) throws -> Int64? {
        guard let t = Check.nonEmpty(text) else { return nil }
        guard t.count == 10, let start = WireTime.parseUTC(t + "T00:00:00Z") else { throw Refusal.parameter(field, "must be a date like 2024-05-01") }
        return start - WireTime.beijingOffset
    }

    init(_ query: QueryParameters) throws {
        end = try TradeDays.beijingDay(query["trade_time_end"], "trade_time_end")
        begin = try TradeDays.beijingDay(query["trade_time_begin"], "trade_time_begin")
    }

    /// The days asked, at most a year apart; by default the year up to `today` (the start of
    /// the business day). Returns the start of the first and of the last day.
    func window(today: Int64) throws -> (begin: Int64, end: Int64) {
        let end = self.end ?? today
        let begin = self.begin ?? (end - 365 * WireTime.dayMillis)
        guard begin <= end else { throw Refusal.parameter("trade_time_begin", "must not be after trade_time_end") }
        guard end - begin <= 366 * WireTime.dayMillis else { throw Refusal.parameter("trade_time_end", "must be within one year of trade_time_begin") }
        return (begin, end)
    }
}

/// offset/limit of the account-change queries. They are checked after the trade window (which
/// needs the business clock), so the page's error is kept and raised only when the page is read:
/// a request wrong in both is refused for its window, as before.
typealias DeferredPage = Deferred<Page>

/// ListPartnerAccountChangeRecords
public struct ChangeRecordsQuery: Sendable {
    /// BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT.
    public var balanceType: String
    public var tradeType: String?
    public var indirectPartnerID: String?
    public var tradeDays: TradeDays
    let deferredPage: DeferredPage
    /// Throws the offset/limit error, if there is one; read it after settling the trade window.
    public var page: Page { get throws { try deferredPage.get() } }

    public init(_ query: QueryParameters) throws {
        guard let balanceType = Check.nonEmpty(query["balance_type"]) else { throw Refusal.parameter("balance_type", "is required") }
        try Check.oneOf(balanceType, "balance_type", ["BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT"])
        self.balanceType = balanceType
        tradeType = Check.nonEmpty(query["trade_type"])
        try Check.oneOf(tradeType, "trade_type", FundsStore.tradeTypes)
        indirectPartnerID = Check.nonEmpty(query["indirect_partner_id"])
        try Check.length(indirectPartnerID, "indirect_partner_id", max: 64)
        tradeDays = try TradeDays(query)
        deferredPage = try DeferredPage { try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxOffset: Int(Int32.max)) }
    }
}

/// ListCustomerAccountChangeRecords
public struct CustomerChangeRecordsQuery: Sendable {
    /// BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT.
    public var balanceType: String
    /// REVENUE or EXPENSE.
    public var revenueExpenseType: String?
    public var tradeType: String?
    public var tradeID: String?
    public var tradeDays: TradeDays
    let deferredPage: DeferredPage
    /// Throws the offset/limit error, if there is one; read it after settling the trade window.
    public var page: Page { get throws { try deferredPage.get() } }

    public init(_ query: QueryParameters) throws {
        guard let balanceType = Check.nonEmpty(query["balance_type"]) else { throw Refusal.parameter("balance_type", "is required") }
        try Check.oneOf(balanceType, "balance_type", ["BALANCE_TYPE_DEBIT", "BALANCE_TYPE_CREDIT"])
        self.balanceType = balanceType
        revenueExpenseType = Check.nonEmpty(query["revenue_expense_type"])
        try Check.oneOf(revenueExpenseType, "revenue_expense_type", ["REVENUE", "EXPENSE"])
        tradeType = Check.nonEmpty(query["trade_type"])
        try Check.oneOf(tradeType, "trade_type", FundsStore.customerTradeTypes)
        tradeID = Check.nonEmpty(query["trade_id"])
        try Check.length(tradeID, "trade_id", max: 64)
        tradeDays = try TradeDays(query)
        deferredPage = try DeferredPage {
            try Page(offset: try query.queryInt("offset"), limit: try query.queryInt("limit"), maxLimit: 1000, maxOffset: Int(Int32.max))
        }
    }
}
