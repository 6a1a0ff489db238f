import Foundation
import SQLKit

/// ListConsumeSubCustomersReq (a POST body)
public struct ConsumeSubCustomersRequest: Codable, Sendable {
    public var billCycle: String?
    public var offset: Int?
    public var limit: Int?
    enum CodingKeys: String, CodingKey { case billCycle = "bill_cycle", offset, limit }
}

public struct ConsumeSubCustomer: Codable, Sendable {
    public var customerID: String
    enum CodingKeys: String, CodingKey { case customerID = "customer_id" }
}

public struct ConsumeSubCustomerList: Codable, Sendable {
    public var subCustomers: [ConsumeSubCustomer]
    public var totalCount: Int
    enum CodingKeys: String, CodingKey { case subCustomers = "sub_customers", totalCount = "total_count" }
}

extension BillingStore {
    /// ListConsumeSubCustomers: the partner's customers (and, for a distributor, its
    /// resellers' customers) that have spend in a billing cycle.
    public func consumingCustomers(caller: Principal, _ r: ConsumingCustomersQuery) async throws -> ConsumeSubCustomerList {
        let (cycle, page) = (r.cycle, r.page)
        return try await database.read { db in
            let scope = try await Self.partnerScope(db, caller: caller, indirect: nil, includeResellers: true)
            let base: SQLQueryString = "SELECT DISTINCT f.customer_id FROM fee_records f WHERE f.partner_id IN (\(binds: scope)) AND f.bill_cycle = \(bind: cycle)"
            let total = try await db.raw("SELECT COUNT(*) AS n FROM (\(base)) g").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("\(base) ORDER BY f.customer_id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            return ConsumeSubCustomerList(subCustomers: try rows.map { ConsumeSubCustomer(customerID: try $0.decode(column: "customer_id", as: String.self)) }, totalCount: total)
        }
    }
}
