import Foundation
import SQLKit

/// ListSubCustomerNewTagReq, as the SDK sends it.
public struct NewTagRequest: Codable, Sendable {
    public var customerIDs: [String]?
    public var offset: Int?
    public var limit: Int?
    public var indirectPartnerID: String?
    enum CodingKeys: String, CodingKey { case customerIDs = "customer_ids", offset, limit, indirectPartnerID = "indirect_partner_id" }
}

/// ListSubCustomerNewTag's filters, checked.
public struct NewTagQuery: CheckedRequest {
    public var customerIDs: [String]
    public var page: Page
    public var indirectPartnerID: String?

    public init(_ r: NewTagRequest) throws {
        let ids = r.customerIDs ?? []
        guard ids.count <= 200 else { throw Refusal.parameter("customer_ids", "has more than 200 entries") }
        for (i, id) in ids.enumerated() { try Check.length(id, "customer_ids[\(i)]", max: 64) }
        try Check.length(r.indirectPartnerID, "indirect_partner_id", max: 64)
        customerIDs = ids
        page = try Page(offset: r.offset, limit: r.limit, maxLimit: 200, maxOffset: Int(Int32.max))
        indirectPartnerID = Check.nonEmpty(r.indirectPartnerID)
    }
}

/// NewCustomerTagItem.
public struct NewCustomerTag: Codable, Sendable, Equatable {
    public var customerID: String
    public var customerTagType: String
    /// Y, N, UNDETERMINED; empty for a customer without real-name authentication.
    public var newCustomerTag: String
    public var effectiveTime: String?
    public var expireTime: String?
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", customerTagType = "customer_tag_type", newCustomerTag = "new_customer_tag"
        case effectiveTime = "effective_time", expireTime = "expire_time"
    }
}

public struct NewCustomerTagList: Codable, Sendable {
    public var newCustomerTags: [NewCustomerTag]
    enum CodingKeys: String, CodingKey { case newCustomerTags = "new_customer_tags" }
}

/// SMB new-customer tags (ListSubCustomerNewTag). Huawei decides a customer's tag from its
/// own programme data; here the operator records it (`admin customer new-tag`), and without
/// a record the rule is the programme's default: a customer is an eligible new customer
/// (UNDETERMINED) for the twelve months from the month it was associated, and not new (N)
/// after. A tag whose validity has passed reads N with its months; a customer without
/// real-name authentication has an empty tag. Writes `customer_new_tags`.
public struct NewCustomerTagStore: Sendable {
    public let database: Database
    public static let tags: Set<String> = ["Y", "N", "UNDETERMINED"]
    /// Months of a default eligibility window, the association month included.
    public static let windowMonths = 12

    public init(database: Database) { self.database = database }

    /// The tag of one customer in `month` (YYYY-MM, Beijing), by the rules above.
    static func tag(customerID: String, verified: Bool, recorded: (tag: String, from: String, until: String)?, associatedMonth: String,
                    month: String) -> NewCustomerTag {
        guard verified else { return NewCustomerTag(customerID: customerID, customerTagType: "SMB", newCustomerTag: "") }
        let (tag, from, until) = recorded ?? ("UNDETERMINED", associatedMonth, WireTime.month(associatedMonth, plus: windowMonths - 1))
        // Months compare as text: YYYY-MM.
        return NewCustomerTag(customerID: customerID, customerTagType: "SMB", newCustomerTag: month > until ? "N" : tag,
                              effectiveTime: from, expireTime: until)
    }

    /// The partner's (or, for a distributor naming one, its reseller's) customers' tags: the
    /// ids given (others silently dropped), or all of them, by association time.
    public func list(caller: Principal, _ q: NewTagQuery) async throws -> NewCustomerTagList {
        try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: q.indirectPartnerID)
            let month = WireTime.beijingMonth(try await BusinessClock.now(db))
            var filter: SQLQueryString = "c.partner_id = \(bind: owner) AND c.bound = 1"
            if !q.customerIDs.isEmpty { filter += " AND c.id IN (\(binds: q.customerIDs))" }
            let rows = try await db.raw("""
                SELECT c.id, c.verified_status, c.associated_on, t.tag, t.effective_month, t.expire_month
                FROM customers c LEFT JOIN customer_new_tags t ON t.customer_id = c.id
                WHERE \(filter) ORDER BY c.associated_on, c.id LIMIT \(bind: q.page.limit) OFFSET \(bind: q.page.offset)
                """).all()
            return NewCustomerTagList(newCustomerTags: try rows.map { r in
                let recorded = try r.decode(column: "tag", as: String?.self).map {
                    ($0, try r.decode(column: "effective_month", as: String.self), try r.decode(column: "expire_month", as: String.self))
                }
                return Self.tag(customerID: try r.decode(column: "id", as: String.self),
                                verified: try r.decode(column: "verified_status", as: String.self) == "2", recorded: recorded,
                                associatedMonth: WireTime.beijingMonth(try r.decode(column: "associated_on", as: Int64.self)), month: month)
            })
        }
    }

    /// Records a customer's tag as Huawei's programme gave it (the operator's command).
    public func set(customerID: String, tag: String, effective: String, expires: String) async throws -> NewCustomerTag {
        try Check.oneOf(tag, "tag", Self.tags)
        _ = try Check.month(effective, "effective")
        _ = try Check.month(expires, "expires")
        guard effective <= expires else { throw Refusal.parameter("expires", "must not be before effective") }
        return try await database.transaction { db in
            guard let c = try await db.raw("SELECT verified_status, associated_on FROM customers WHERE id = \(bind: customerID) AND bound = 1").first() else {
                throw Refusal(.unknownObject, "Invalid parameter: customer \(customerID) does not exist or is unbound.")
            }
            let now = try await BusinessClock.now(db)
            try await db.raw("""
                INSERT INTO customer_new_tags (customer_id, tag, effective_month, expire_month, updated_at)
                VALUES (\(bind: customerID), \(bind: tag), \(bind: effective), \(bind: expires), \(bind: now))
                ON CONFLICT (customer_id) DO UPDATE SET tag = excluded.tag, effective_month = excluded.effective_month,
                    expire_month = excluded.expire_month, updated_at = excluded.updated_at
                """).run()
            return Self.tag(customerID: customerID, verified: try c.decode(column: "verified_status", as: String.self) == "2",
                            recorded: (tag, effective, expires),
                            associatedMonth: WireTime.beijingMonth(try c.decode(column: "associated_on", as: Int64.self)), month: WireTime.beijingMonth(now))
        }
    }
}
