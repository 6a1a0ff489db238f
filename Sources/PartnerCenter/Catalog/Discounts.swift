import Foundation
import SQLKit

/// Discounts a partner grants its customer on a service type (discount type 607,
/// partner-set discount rate): the customer pays `rate` × list price in the window.
public struct Discount: Codable, Sendable, Equatable {
    public var discountID: String
    public var partnerID: String
    public var customerID: String
    public var serviceType: String
    public var rate: Decimal
    public var effectiveTime: String
    public var expireTime: String
    enum CodingKeys: String, CodingKey {
        case discountID = "discount_id", partnerID = "partner_id", customerID = "customer_id", serviceType = "service_type", rate
        case effectiveTime = "effective_time", expireTime = "expire_time"
    }
    public static let type = 607
    public var name: String { "Partner discount \(Money.format(rate * 100))% (\(serviceType))" }
}

public struct DiscountStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public func set(customerID: String, serviceType: String, rate: Decimal, from: Int64?, until: Int64) async throws -> Discount {
        guard rate > 0, rate < 1, Money.scale(rate) <= 4 else { throw Refusal.parameter("rate", "must be between 0 and 1 (0.85 = the customer pays 85%), at most 4 decimals") }
        let start = try await database.businessNow(or: from)
        guard until > start else { throw Refusal.parameter("expire_time", "must be after the effective time") }
        let id = "DS" + Identifiers.domainID().prefix(16)
        try await database.transaction { db in
            guard let c = try await db.raw("SELECT partner_id FROM customers WHERE id = \(bind: customerID) AND bound = 1").first() else {
                throw Refusal(.unknownObject, "Invalid parameter: customer \(customerID) does not exist or is unbound.")
            }
            guard let service = try await db.raw("SELECT code, allow_discount FROM catalog_service_types WHERE code = \(bind: serviceType)").first() else {
                throw Refusal.parameter("service_type", "is not a known service type")
            }
            guard try service.decode(column: "allow_discount", as: String?.self) != "NO" else {
                throw Refusal.parameter("service_type", "does not allow partner discounts (allow_discount NO)")
            }
            try await db.raw("""
                INSERT INTO discounts (id, partner_id, customer_id, service_type, rate, effective_from, effective_until, created_at)
                VALUES (\(bind: id), \(bind: try c.decode(column: "partner_id", as: String.self)), \(bind: customerID), \(bind: serviceType),
                        \(bind: Money.format(rate)), \(bind: start), \(bind: until), \(bind: WireTime.nowMillis()))
                """).run()
        }
        return try await list(customerID: customerID).first { $0.discountID == id }!
    }

    public func list(customerID: String?) async throws -> [Discount] {
        try await database.read { db in
            var q: SQLQueryString = "SELECT * FROM discounts"
            if let customerID { q += " WHERE customer_id = \(bind: customerID)" }
            q += " ORDER BY created_at, id"
            return try await db.raw(q).all().map(Self.row)
        }
    }

    public func delete(_ id: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.raw("SELECT id FROM discounts WHERE id = \(bind: id)").first() != nil else { return false }
            try await db.raw("DELETE FROM discounts WHERE id = \(bind: id)").run()
            return true
        }
    }

    static func row(_ r: any SQLRow) throws -> Discount {
        Discount(discountID: try r.decode(column: "id", as: String.self), partnerID: try r.decode(column: "partner_id", as: String.self),
                 customerID: try r.decode(column: "customer_id", as: String.self), serviceType: try r.decode(column: "service_type", as: String.self),
                 rate: Money.parse(try r.decode(column: "rate", as: String.self)) ?? 1,
                 effectiveTime: WireTime.utc(try r.decode(column: "effective_from", as: Int64.self)),
                 expireTime: WireTime.utc(try r.decode(column: "effective_until", as: Int64.self)))
    }

    /// The customer's discounts in force at `time`, from the partner it is bound to now, on
    /// services that allow partner discounts (a service set to `allow_discount` NO after a
    /// discount was granted stops it applying).
    static func active(_ db: any SQLDatabase, customerID: String, at time: Int64) async throws -> [Discount] {
        try await db.raw("""
            SELECT d.* FROM discounts d JOIN customers c ON c.id = d.customer_id AND c.partner_id = d.partner_id AND c.bound = 1
            WHERE d.customer_id = \(bind: customerID) AND d.effective_from <= \(bind: time) AND d.effective_until > \(bind: time)
              AND NOT EXISTS (SELECT 1 FROM catalog_service_types s WHERE s.code = d.service_type AND s.allow_discount = 'NO')
            ORDER BY d.created_at, d.id
            """).all().map(row)
    }
}
