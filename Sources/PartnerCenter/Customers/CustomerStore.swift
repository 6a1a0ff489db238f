import Foundation
import SQLKit

/// Customers and their association with partners, in storage.
public struct CustomerStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// The partner whose customers a call may act on: the caller itself, or, for a
    /// distributor naming one of its resellers, that reseller. Any other reseller id
    /// is refused with CBC.99000037, whether or not it exists.
    static func scope(_ db: any SQLDatabase, caller: Principal, indirectPartnerID: String?) async throws -> String {
        guard caller.kind == .distributor, let rid = Check.nonEmpty(indirectPartnerID) else { return caller.domainID }
        let row = try await db.raw("SELECT id FROM accounts WHERE id = \(bind: rid) AND kind = 'reseller' AND parent_id = \(bind: caller.domainID)").first()
        guard row != nil else {
            throw Refusal(.notYourReseller, "You have no permission to operate on the cloud reseller \(rid).")
        }
        return rid
    }

    // MARK: writes other domains make, through this owner of `customers`

    /// Marks the customer unbound from its partner (the funds side moves its money first).
    static func markUnbound(_ db: any SQLDatabase, customerID: String, at time: Int64) async throws {
        try await db.raw("UPDATE customers SET bound = 0, unbound_at = \(bind: time) WHERE id = \(bind: customerID)").run()
    }

    /// Moves every customer under the platform identifier `old` to `new` (a partner's
    /// identifier changed).
    static func renamePlatform(_ db: any SQLDatabase, from old: String, to new: String) async throws {
        try await db.raw("UPDATE customers SET xaccount_type = \(bind: new) WHERE xaccount_type = \(bind: old)").run()
    }

    /// Binds the customer to a user of a partner's platform (an SSO first login).
    static func bindPlatformUser(_ db: any SQLDatabase, customerID: String, xaccountType: String, xaccountID: String) async throws {
        try await db.raw("UPDATE customers SET xaccount_type = \(bind: xaccountType), xaccount_id = \(bind: xaccountID) WHERE id = \(bind: customerID)").run()
    }

    // MARK: CreateSubCustomer

    public func create(caller: Principal, _ req: NewCustomer) async throws -> CreateCustomerResponse {
        let (name, mobile, xaccountID, xaccountType) = (req.domainName, req.mobile, req.xaccountID, req.xaccountType)
        // Huawei's rule, checked once the parameters are well formed: a tier-1 distributor
        // acquires customers only for its cloud resellers (CreateSubCustomer.md).
        if caller.kind == .distributor && req.indirectPartnerID == nil {
            throw Refusal(.distributorTakesNoDirectCustomers,
                           "A tier-1 distributor cannot associate customers itself: pass indirect_partner_id to create the customer for one of its cloud resellers.")
        }
        // The mobile number's registration code, checked (a wrong try counts even though the
        // request fails) and then used in the creating transaction.
        var codeID: String?
        if let m = mobile, !m.isEmpty, let code = req.verificationCode {
            switch try await VerificationCodeStore.check(database, mobile: m, scene: 29, customerID: nil, code: code) {
            case .valid(let id): codeID = id
            case .lapsed: throw Refusal(.verificationCodeLapsed, "The verification code has expired; send a new one.")
            case .locked: throw Refusal(.verificationCodeLocked, "The verification code was entered wrongly more than 3 times; send a new one.")
            case .wrong, .none: throw Refusal(.verificationCodeIncorrect, "The verification code is incorrect.")
            }
        }
        let usedCode = codeID
        let passwordHash = try Passwords.hash(req.password ?? CustomerRules.randomPassword())
        let associationType = req.associationType
        let closeMarket = req.closeMarket ? 1 : 0
        let id = Identifiers.domainID()

        let attempt: @Sendable () async throws -> CreateCustomerResponse = {
            try await database.transaction { db in
                let partnerID = try await Self.scope(db, caller: caller, indirectPartnerID: req.indirectPartnerID)
                // The platform identifier must be the one assigned to the caller (or to the reseller served).
                let types = try await db.raw("SELECT xaccount_type FROM accounts WHERE id IN (\(bind: caller.domainID), \(bind: partnerID))").all()
                    .compactMap { try $0.decode(column: "xaccount_type", as: String?.self) }
                guard types.contains(xaccountType) else {
                    throw Refusal.invalid("xaccount_type", "is not the platform identifier assigned to this partner")
                }
                if try await db.raw("SELECT id FROM accounts WHERE name = \(bind: name)").first() != nil {
                    throw Refusal(.accountNameTaken, "The account name \(name) already exists.")
                }
                if let m = mobile, !m.isEmpty, try await db.raw("SELECT id FROM accounts WHERE mobile = \(bind: m)").first() != nil {
                    throw Refusal(.mobileTaken, "The mobile number already exists.")
                }
                if try await db.raw("SELECT id FROM customers WHERE xaccount_type = \(bind: xaccountType) AND xaccount_id = \(bind: xaccountID)").first() != nil {
                    throw Refusal(.xaccountIDTaken, "The xaccount_id \(xaccountID) already exists.")
                }
                if let usedCode, !(try await VerificationCodeStore.use(db, id: usedCode, now: try await BusinessClock.now(db))) {
                    throw Refusal(.verificationCodeIncorrect, "The verification code is incorrect.")
                }
                let now = try await BusinessClock.now(db)
                try await AccountStore.insertCustomerAccount(db, id: id, name: name, passwordHash: passwordHash, mobile: mobile, at: now)
                try await db.raw("""
                    INSERT INTO customers (id, partner_id, created_by, xaccount_type, xaccount_id, association_type, associated_on,
                                           country_code, close_market_ms)
                    VALUES (\(bind: id), \(bind: partnerID), \(bind: caller.domainID), \(bind: xaccountType), \(bind: xaccountID),
                            \(bind: associationType), \(bind: now), \(bind: (mobile?.isEmpty ?? true) ? nil : "0086"), \(bind: closeMarket))
                    """).run()
                return CreateCustomerResponse(domainID: id, domainName: name)
            }
        }
        do {
            return try await attempt()
        } catch where Database.isUniqueViolation(error) {
            // A concurrent twin committed first: run the checks again so the caller gets
            // the precise error (name, mobile or xaccount_id taken).
            return try await attempt()
        }
    }

    // MARK: ListSubCustomers

    public func list(caller: Principal, _ req: SubCustomerFilter) async throws -> ListSubCustomersResponse {
        let (begin, end, page) = (req.begin, req.end, req.page)
        return try await database.read { db in
            let partnerID = try await Self.scope(db, caller: caller, indirectPartnerID: req.indirectPartnerID)
            var filter: SQLQueryString = "c.partner_id = \(bind: partnerID) AND c.bound = 1"
            if let v = req.accountName { filter += " AND a.name LIKE \(bind: likeInfix(v)) ESCAPE '\\'" }
            if let v = req.realName { filter += " AND c.real_name LIKE \(bind: likeInfix(v)) ESCAPE '\\'" }
            if let v = req.label { filter += " AND c.label LIKE \(bind: likeInfix(v)) ESCAPE '\\'" }
            if let v = req.associationType { filter += " AND c.association_type = \(bind: v)" }
            if let v = req.customerID { filter += " AND c.id = \(bind: v)" }
            if let begin { filter += " AND c.associated_on >= \(bind: begin)" }
            if let end { filter += " AND c.associated_on <= \(bind: end)" }
            let count = try await db.raw("SELECT COUNT(*) AS n FROM customers c JOIN accounts a ON a.id = c.id WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT c.id, a.name, a.mobile, a.email, c.real_name, c.associated_on, c.association_type, c.label, c.verified_status,
                       c.country_code, c.customer_type, c.is_frozen, c.xaccount_id, c.xaccount_type, c.customer_level
                FROM customers c JOIN accounts a ON a.id = c.id WHERE \(filter)
                ORDER BY c.associated_on DESC, c.id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)
                """).all()
            let infos = try rows.map { r in
                CustomerInformation(
                    customer: try r.decode(column: "real_name", as: String?.self) ?? "",
                    accountName: try r.decode(column: "name", as: String.self),
                    customerID: try r.decode(column: "id", as: String.self),
                    associatedOn: WireTime.utc(try r.decode(column: "associated_on", as: Int64.self)),
                    associationType: try r.decode(column: "association_type", as: String.self),
                    label: try r.decode(column: "label", as: String?.self) ?? "",
                    telephone: CustomerRules.mask(try r.decode(column: "mobile", as: String?.self)),
                    verifiedStatus: try r.decode(column: "verified_status", as: String.self),
                    countryCode: try r.decode(column: "country_code", as: String?.self),
                    customerType: try r.decode(column: "customer_type", as: Int.self),
                    isFrozen: try r.decode(column: "is_frozen", as: Int.self),
                    accountManagers: [],
                    xaccountID: try r.decode(column: "xaccount_id", as: String.self),
                    xaccountType: try r.decode(column: "xaccount_type", as: String.self),
                    customerLevel: try r.decode(column: "customer_level", as: String.self),
                    email: try r.decode(column: "email", as: String?.self))
            }
            return ListSubCustomersResponse(customerInfos: infos, count: count)
        }
    }

    // MARK: ListIndirectPartners

    public func indirectPartners(caller: Principal, _ req: IndirectPartnerFilter) async throws -> ListIndirectPartnersResponse {
        let (begin, end, page) = (req.begin, req.end, req.page)
        return try await database.read { db in
            var filter: SQLQueryString = "kind = 'reseller' AND parent_id = \(bind: caller.domainID)"
            if let v = req.accountName { filter += " AND name LIKE \(bind: likeInfix(v)) ESCAPE '\\'" }
            if let v = req.indirectPartnerID { filter += " AND id = \(bind: v)" }
            if let begin { filter += " AND created_at >= \(bind: begin)" }
            if let end { filter += " AND created_at <= \(bind: end)" }
            let count = try await db.raw("SELECT COUNT(*) AS n FROM accounts WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("SELECT id, name, mobile, email, created_at FROM accounts WHERE \(filter) ORDER BY created_at DESC, id LIMIT \(bind: page.limit) OFFSET \(bind: page.offset)").all()
            let items = try rows.map { r in
                IndirectPartnerInfo(indirectPartnerID: try r.decode(column: "id", as: String.self),
                                    mobilePhone: CustomerRules.mask(try r.decode(column: "mobile", as: String?.self)),
                                    email: try r.decode(column: "email", as: String?.self),
                                    accountName: try r.decode(column: "name", as: String.self),
                                    name: try r.decode(column: "name", as: String.self),
                                    associatedOn: WireTime.utc(try r.decode(column: "created_at", as: Int64.self)))
            }
            return ListIndirectPartnersResponse(count: count, indirectPartners: items)
        }
    }
}
