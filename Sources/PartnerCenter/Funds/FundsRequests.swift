import Foundation

// The funds operations' bodies, checked at the edge: what the funds store moves.

/// UpdateCustomerAccountAmount / ReclaimToPartnerAccount: money between a partner (or, for a
/// distributor naming one, its reseller) and one of its resale customers.
public struct CustomerTransfer: CheckedRequest {
    public var customerID: String
    public var indirectPartnerID: String?
    /// More than zero, at most two decimals (Units.from refuses finer amounts).
    public var units: Int64

    public init(_ r: CustomerAmountRequest) throws {
        customerID = try Check.required(r.customerID, "customer_id", max: 64)
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 64)
        indirectPartnerID = r.indirectPartnerID
        units = try Units.from(try validAmount(r.amount))
    }
}

/// UpdateIndirectPartnerAccount / ReclaimIndirectPartnerAccount: money between a distributor
/// and one of its resellers.
public struct ResellerTransfer: CheckedRequest {
    public var resellerID: String
    public var units: Int64

    public init(_ r: ResellerAmountRequest) throws {
        resellerID = try Check.required(r.indirectPartnerID, "indirect_partner_id", max: 64)
        units = try Units.from(try validAmount(r.amount))
    }
}

/// ListCustomersBalancesDetail: up to 100 customers' balances.
public struct BalancesQuestion: CheckedRequest {
    public var customerIDs: [String]
    public var indirectPartnerID: String?

    public init(_ r: CustomersBalancesRequest) throws {
        guard let items = r.customerInfos, !items.isEmpty else { throw Refusal.parameter("customer_infos", "must list 1 to 100 customers") }
        guard items.count <= 100 else { throw Refusal.parameter("customer_infos", "must list at most 100 customers") }
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 64)
        customerIDs = try items.enumerated().map { i, item in try Check.required(item.customerID, "customer_infos[\(i)].customer_id", max: 64) }
        indirectPartnerID = r.indirectPartnerID
    }
}
