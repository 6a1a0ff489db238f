import Foundation

/// BillSumRecordInfoV2 (ShowCustomerMonthlySum rows)
public struct BillSumRecord: Codable, Sendable {
    public var billCycle: String
    public var customerID: String
    public var accountName: String
    public var serviceTypeCode: String
    public var serviceTypeName: String
    public var resourceTypeCode: String
    public var resourceTypeName: String
    public var chargingMode: Int
    public var billType: Int
    public var officialAmount: Decimal
    public var officialDiscountAmount: Decimal
    public var truncatedAmount: Decimal
    public var consumeAmount: Decimal
    public var couponAmount: Decimal
    public var flexipurchaseCouponAmount: Decimal
    public var storedValueCardAmount: Decimal
    public var debtAmount: Decimal
    public var writeoffAmount: Decimal
    public var cashAmount: Decimal
    public var creditAmount: Decimal
    public var measureID: Int
    enum CodingKeys: String, CodingKey {
        case billCycle = "bill_cycle", customerID = "customer_id", accountName = "account_name", serviceTypeCode = "service_type_code"
        case serviceTypeName = "service_type_name", resourceTypeCode = "resource_type_code", resourceTypeName = "resource_type_name"
        case chargingMode = "charging_mode", billType = "bill_type", officialAmount = "official_amount", officialDiscountAmount = "official_discount_amount"
        case truncatedAmount = "truncated_amount", consumeAmount = "consume_amount", couponAmount = "coupon_amount"
        case flexipurchaseCouponAmount = "flexipurchase_coupon_amount", storedValueCardAmount = "stored_value_card_amount", debtAmount = "debt_amount"
        case writeoffAmount = "writeoff_amount", cashAmount = "cash_amount", creditAmount = "credit_amount", measureID = "measure_id"
    }
}

public struct CustomerMonthlySum: Codable, Sendable {
    public var totalCount: Int
    public var billSums: [BillSumRecord]
    public var consumeAmount: Decimal
    public var debtAmount: Decimal
    public var couponAmount: Decimal
    public var flexipurchaseCouponAmount: Decimal
    public var storedValueCardAmount: Decimal
    public var cashAmount: Decimal
    public var creditAmount: Decimal
    public var writeoffAmount: Decimal
    public var measureID: Int
    public var currency: String
    enum CodingKeys: String, CodingKey {
        case totalCount = "total_count", billSums = "bill_sums", consumeAmount = "consume_amount", debtAmount = "debt_amount"
        case couponAmount = "coupon_amount", flexipurchaseCouponAmount = "flexipurchase_coupon_amount", storedValueCardAmount = "stored_value_card_amount"
        case cashAmount = "cash_amount", creditAmount = "credit_amount", writeoffAmount = "writeoff_amount", measureID = "measure_id", currency
    }
}

/// MonthlyBillRecord (ListCustomerBillsFeeRecords)
public struct FeeRecordView: Codable, Sendable {
    public var billCycle: String
    public var customerID: String
    public var accountName: String
    public var serviceTypeCode: String
    public var serviceTypeName: String
    public var resourceTypeCode: String
    public var resourceTypeName: String
    public var regionCode: String
    public var regionName: String
    public var enterpriseProjectID: String
    public var enterpriseProjectName: String
    public var chargingMode: Int
    public var consumeTime: String
    public var tradeTime: String
    public var providerType: Int
    public var tradeID: String
    public var id: String
    public var billType: Int
    public var status: Int
    public var officialAmount: Decimal
    public var officialDiscountAmount: Decimal
    public var eraseAmount: Decimal
    public var consumeAmount: Decimal
    public var cashAmount: Decimal
    public var creditAmount: Decimal
    public var couponAmount: Decimal
    public var flexipurchaseCouponAmount: Decimal
    public var storedValueCardAmount: Decimal
    public var bonusAmount: Decimal
    public var debtAmount: Decimal
    public var writeoffAmount: Decimal
    enum CodingKeys: String, CodingKey {
        case billCycle = "bill_cycle", customerID = "customer_id", accountName = "account_name", serviceTypeCode = "service_type_code"
        case serviceTypeName = "service_type_name", resourceTypeCode = "resource_type_code", resourceTypeName = "resource_type_name"
        case regionCode = "region_code", regionName = "region_name", enterpriseProjectID = "enterprise_project_id", enterpriseProjectName = "enterprise_project_name"
        case chargingMode = "charging_mode", consumeTime = "consume_time", tradeTime = "trade_time", providerType = "provider_type", tradeID = "trade_id"
        case id, billType = "bill_type", status, officialAmount = "official_amount", officialDiscountAmount = "official_discount_amount"
        case eraseAmount = "erase_amount", consumeAmount = "consume_amount", cashAmount = "cash_amount", creditAmount = "credit_amount"
        case couponAmount = "coupon_amount", flexipurchaseCouponAmount = "flexipurchase_coupon_amount", storedValueCardAmount = "stored_value_card_amount"
        case bonusAmount = "bonus_amount", debtAmount = "debt_amount", writeoffAmount = "writeoff_amount"
    }
}

public struct FeeRecordList: Codable, Sendable {
    public var totalCount: Int
    public var records: [FeeRecordView]
    public var currency: String
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", records, currency }
}

/// SubCustomerMonthlyBillDetail (ListSubCustomerBillDetail)
public struct SubCustomerFeeRecord: Codable, Sendable {
    public var billCycle: String
    public var customerID: String
    public var associationType: String
    public var serviceTypeCode: String
    public var serviceTypeName: String
    public var resourceTypeCode: String
    public var resourceTypeName: String
    public var chargingMode: Int
    public var tradeTime: String
    public var tradeID: String
    public var id: String
    public var billDetailType: Int
    public var resourceID: String
    public var resourceName: String
    public var productSpecDesc: String
    public var regionCode: String
    public var regionName: String
    public var productID: String
    public var productName: String
    public var consumeTime: String
    public var usageType: String?
    public var usageAmount: Decimal?
    public var usageMeasureID: Int?
    public var freeResourceUsage: Decimal?
    public var freeResourceMeasureID: Int?
    public var officialAmount: Decimal
    public var officialDiscountAmount: Decimal
    public var paymentAmount: Decimal
    public var cashAmount: Decimal
    public var creditAmount: Decimal
    public var couponAmount: Decimal
    public var flexipurchaseCouponAmount: Decimal
    public var storedValueCardAmount: Decimal
    public var debtAmount: Decimal
    public var writeoffAmount: Decimal
    public var partnerID: String
    public var enterpriseProjectID: String
    enum CodingKeys: String, CodingKey {
        case billCycle = "bill_cycle", customerID = "customer_id", associationType = "association_type", serviceTypeCode = "service_type_code"
        case serviceTypeName = "service_type_name", resourceTypeCode = "resource_type_code", resourceTypeName = "resource_type_name"
        case chargingMode = "charging_mode", tradeTime = "trade_time", tradeID = "trade_id", id, billDetailType = "bill_detail_type"
        case resourceID = "resource_id", resourceName = "resource_name", productSpecDesc = "product_spec_desc", regionCode = "region_code"
        case regionName = "region_name", productID = "product_id", productName = "product_name", consumeTime = "consume_time", usageType = "usage_type"
        case usageAmount = "usage_amount", usageMeasureID = "usage_measure_id", freeResourceUsage = "free_resource_usage"
        case freeResourceMeasureID = "free_resource_measure_id", officialAmount = "official_amount"
        case officialDiscountAmount = "official_discount_amount", paymentAmount = "payment_amount", cashAmount = "cash_amount"
        case creditAmount = "credit_amount", couponAmount = "coupon_amount", flexipurchaseCouponAmount = "flexipurchase_coupon_amount"
        case storedValueCardAmount = "stored_value_card_amount", debtAmount = "debt_amount", writeoffAmount = "writeoff_amount"
        case partnerID = "partner_id", enterpriseProjectID = "enterprise_project_id"
    }
}

public struct SubCustomerFeeRecordList: Codable, Sendable {
    public var totalCount: Int
    public var currency: String
    public var feeRecords: [SubCustomerFeeRecord]
    enum CodingKeys: String, CodingKey { case totalCount = "total_count", currency, feeRecords = "fee_records" }
}

/// BalanceTypeDeductSumV2 / BillSumInfoV2 (ListSubcustomerMonthlyBills)
public struct BalanceDeductSum: Codable, Sendable {
    public var balanceType: String
    public var amount: Decimal
    public var billType: String
    enum CodingKeys: String, CodingKey { case balanceType = "balance_type", amount, billType = "bill_type" }
}

public struct PartnerBillSum: Codable, Sendable {
    public var customerID: String
    public var cloudServiceType: String
    public var cloudServiceTypeName: String
    public var resourceTypeCode: String
    public var resourceTypeName: String
    public var billType: String
    public var chargeMode: String
    public var amount: Decimal
    public var debtAmount: Decimal
    public var adjustmentAmount: Decimal
    public var discountAmount: Decimal
    public var measureID: Int
    public var accountDetails: [BalanceDeductSum]
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", cloudServiceType = "cloud_service_type", cloudServiceTypeName = "cloud_service_type_name"
        case resourceTypeCode = "resource_type_code", resourceTypeName = "resource_type_name", billType = "bill_type", chargeMode = "charge_mode"
        case amount, debtAmount = "debt_amount", adjustmentAmount = "adjustment_amount", discountAmount = "discount_amount", measureID = "measure_id"
        case accountDetails = "account_details"
    }
}

public struct PartnerBillSumList: Codable, Sendable {
    public var billSums: [PartnerBillSum]
    public var count: Int
    public var currency: String
    enum CodingKeys: String, CodingKey { case billSums = "bill_sums", count, currency }
}
