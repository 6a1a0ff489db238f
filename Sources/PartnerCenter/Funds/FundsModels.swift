import Foundation

// Wire models for the funds operations, keys as the official SDK spells them.

/// AdjustAccountReq / ReclaimToPartnerAccountBalancesReq
public struct CustomerAmountRequest: Codable, Sendable {
    public var customerID: String?
    public var amount: Decimal?
    public var indirectPartnerID: String?
    enum CodingKeys: String, CodingKey { case customerID = "customer_id", amount, indirectPartnerID = "indirect_partner_id" }
}

/// AdjustToIndirectPartnerReq / ReclaimIndirectPartnerAccountReq
public struct ResellerAmountRequest: Codable, Sendable {
    public var indirectPartnerID: String?
    public var amount: Decimal?
    enum CodingKeys: String, CodingKey { case indirectPartnerID = "indirect_partner_id", amount }
}

public struct TransferIDResponse: Codable, Sendable {
    public var transferID: String
    enum CodingKeys: String, CodingKey { case transferID = "transfer_id" }
}

public struct TransIDResponse: Codable, Sendable {
    public var transID: String
    enum CodingKeys: String, CodingKey { case transID = "trans_id" }
}

/// AccountBalanceV2 (partners) and AccountBalanceV3 (customers) share these keys.
public struct AccountBalance: Codable, Sendable {
    public var accountID: String
    public var accountType: Int
    public var amount: Decimal
    public var currency: String
    public var designatedAmount: Decimal
    public var creditAmount: Decimal?
    public var measureID: Int
    public var memo: String?
    enum CodingKeys: String, CodingKey {
        case accountID = "account_id", accountType = "account_type", amount, currency, designatedAmount = "designated_amount"
        case creditAmount = "credit_amount", measureID = "measure_id", memo
    }
}

public struct PartnerBalancesResponse: Codable, Sendable {
    public var accountBalances: [AccountBalance]
    enum CodingKeys: String, CodingKey { case accountBalances = "account_balances" }
}

public struct CustomerBalancesResponse: Codable, Sendable {
    public var accountBalances: [AccountBalance]
    public var debtAmount: Decimal
    public var measureID: Int
    public var currency: String
    enum CodingKeys: String, CodingKey { case accountBalances = "account_balances", debtAmount = "debt_amount", measureID = "measure_id", currency }
}

/// QueryCustomersBalancesReq
public struct CustomersBalancesRequest: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public var customerID: String?
        enum CodingKeys: String, CodingKey { case customerID = "customer_id" }
    }
    public var customerInfos: [Item]?
    public var indirectPartnerID: String?
    enum CodingKeys: String, CodingKey { case customerInfos = "customer_infos", indirectPartnerID = "indirect_partner_id" }
}

/// CustomerBalancesV2
public struct CustomerBalanceSummary: Codable, Sendable {
    public var customerID: String
    public var debtAmount: Decimal
    public var amount: Decimal
    public var currency: String
    public var measureID: Int
    enum CodingKeys: String, CodingKey { case customerID = "customer_id", debtAmount = "debt_amount", amount, currency, measureID = "measure_id" }
}

public struct CustomersBalancesResponse: Codable, Sendable {
    public var customerBalances: [CustomerBalanceSummary]
    enum CodingKeys: String, CodingKey { case customerBalances = "customer_balances" }
}

/// AdjustRecordV3
public struct AdjustRecord: Codable, Sendable {
    public var customerID: String
    public var customerName: String
    public var operationType: String
    public var amount: String
    public var currency: String
    public var applyScene: String
    public var operationTime: String
    public var measureID: Int
    public var transID: String
    public var memo: String
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", customerName = "customer_name", operationType = "operation_type", amount, currency
        case applyScene = "apply_scene", operationTime = "operation_time", measureID = "measure_id", transID = "trans_id", memo
    }
}

public struct AdjustRecordsResponse: Codable, Sendable {
    public var totalCount: Int
    public var records: [AdjustRecord]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", records }
}

/// AccountChangeRecord
public struct AccountChangeRecord: Codable, Sendable {
    public var accountChangeID: String
    public var tradeDetailType: String
    public var tradeTime: String
    public var tradeID: String
    public var changeAmount: String
    public var balanceAfterChange: String
    public var type: String
    public var customerID: String?
    public var accountName: String?
    enum CodingKeys: String, CodingKey {
        case accountChangeID = "account_change_id", tradeDetailType = "trade_detail_type", tradeTime = "trade_time", tradeID = "trade_id"
        case changeAmount = "change_amount", balanceAfterChange = "balance_after_change", type, customerID = "customer_id", accountName = "account_name"
    }
}

public struct AccountChangeRecordsResponse: Codable, Sendable {
    public var totalCount: Int
    public var currency: String
    public var records: [AccountChangeRecord]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", currency, records }
}
