import Foundation
import SQLKit

/// Real-name authentication: applications made by a partner for its own customer, a
/// review queue the operator works through, and the state the customer lists show.
///
/// States (customers.verified_status): "-1" never applied, "0" under review,
/// "1" rejected, "2" verified. customer_type: -1 none, 0 individual, 1 enterprise.
public struct RealnameStore: Sendable {
    public let database: Database
    /// Most applications one customer may make (CBC.99007191 beyond).
    public static let maxAttempts = 10
    /// Most verified customers one document number may back (CBC.99007189 beyond).
    public static let maxPerNumber = 10

    public init(database: Database) { self.database = database }

    public enum Kind: String, Sendable { case individual, enterprise, change }

    /// Makes one application (CreatePersonalRealnameAuth, CreateEnterpriseRealnameAuthentication,
    /// ChangeEnterpriseRealnameAuthentication), its form already checked (`RealnameSubmission`).
    public func submit(caller: Principal, _ s: RealnameSubmission) async throws -> RealnameApplyResponse {
        let id = Identifiers.domainID()
        let filesJSON = String(decoding: try JSONEncoder().encode(s.files), as: UTF8.self)
        let detailsJSON = String(decoding: try JSONEncoder().encode(s.details), as: UTF8.self)
        // A bank-card check needs the code sent to its mobile for this customer (a wrong try
        // counts even though the request fails); a foreign customer is refused first, as always.
        var codeID: String?
        if let code = s.bankCode, let mobile = s.details["mobile"] {
            let mine = try await database.read { db in
                try await db.raw("SELECT id FROM customers WHERE id = \(bind: s.customerID) AND partner_id = \(bind: caller.domainID) AND bound = 1").first() != nil
            }
            guard mine else { throw Refusal(.notYourCustomer, "The customer is not a sub-customer of this partner.") }
            guard case .valid(let id) = try await VerificationCodeStore.check(database, mobile: mobile, scene: 18, customerID: s.customerID, code: code) else {
                throw Refusal(.verificationCodeExpired, "The verification code has expired or is invalid.")
            }
            codeID = id
        }
        let usedCode = codeID
        let attempt: @Sendable () async throws -> RealnameApplyResponse = {
            try await database.transaction { db in
                // Only the partner the customer is associated with may apply for it; any other
                // customer id, existing or not, gets the same answer.
                guard let row = try await db.raw("SELECT verified_status, customer_type, xaccount_type FROM customers WHERE id = \(bind: s.customerID) AND partner_id = \(bind: caller.domainID) AND bound = 1").first() else {
                    throw Refusal(.notYourCustomer, "The customer is not a sub-customer of this partner.")
                }
                let status = try row.decode(column: "verified_status", as: String.self)
                let type = try row.decode(column: "customer_type", as: Int.self)
                // The customer's own platform identifier, or the caller's (a reseller serving a
                // customer its distributor created for it knows only its own).
                let callerType = try await db.raw("SELECT xaccount_type FROM accounts WHERE id = \(bind: caller.domainID)").first()?.decode(column: "xaccount_type", as: String?.self)
                guard s.xaccountType == (try row.decode(column: "xaccount_type", as: String.self)) || s.xaccountType == callerType else {
                    throw Refusal.parameter("xaccount_type", "is not the platform identifier of this customer's partner")
                }
                let pending = try await db.raw("SELECT id FROM realname_applications WHERE customer_id = \(bind: s.customerID) AND status = 'pending'").first() != nil
                if pending { throw Refusal(.alreadyAuthenticated, "The customer has been authenticated or the authentication is being reviewed.") }
                switch s.kind {
                case .individual, .enterprise:
                    if status == "2" { throw Refusal(.alreadyAuthenticated, "The customer has been authenticated or the authentication is being reviewed.") }
                case .change:
                    if status == "2" && type == 1 { throw Refusal(.alreadyAuthenticated, "The customer has already been authenticated as an enterprise.") }
                    guard status == "2" && type == 0 else {
                        throw Refusal(.individualAuthenticationFirst, "The customer must have completed individual real-name authentication before changing to enterprise.")
                    }
                }
                let attempts = try await db.raw("SELECT COUNT(*) AS n FROM realname_applications WHERE customer_id = \(bind: s.customerID)").first()!.decode(column: "n", as: Int.self)
                guard attempts < Self.maxAttempts else {
                    throw Refusal(.tooManyAuthentications, "The customer has exceeded the maximum number of real-name authentication attempts.")
                }
                let used = try await db.raw("SELECT COUNT(DISTINCT customer_id) AS n FROM realname_applications WHERE verified_number = \(bind: s.verifiedNumber) AND status = 'approved' AND customer_id <> \(bind: s.customerID)").first()!.decode(column: "n", as: Int.self)
                guard used < Self.maxPerNumber else {
                    throw Refusal(.documentUsedTooOften, "Too many customers have been authenticated with this document number.")
                }
                let now = try await BusinessClock.now(db)
                if let usedCode, !(try await VerificationCodeStore.use(db, id: usedCode, now: now)) {
                    throw Refusal(.verificationCodeExpired, "The verification code has expired or is invalid.")
                }
                let appStatus = s.automatic ? "approved" : "pending"
                try await db.raw("""
                    INSERT INTO realname_applications (id, customer_id, partner_id, kind, identify_type, verified_type, certificate_type,
                        name, verified_number, files, details, status, submitted_at, reviewed_at)
                    VALUES (\(bind: id), \(bind: s.customerID), \(bind: caller.domainID), \(bind: s.kind.rawValue), \(bind: s.identifyType),
                        \(bind: s.verifiedType), \(bind: s.certificateType), \(bind: s.name), \(bind: s.verifiedNumber), \(bind: filesJSON),
                        \(bind: detailsJSON), \(bind: appStatus), \(bind: now), \(bind: s.automatic ? now : nil))
                    """).run()
                if s.automatic {
                    try await Self.applyApproval(db, customerID: s.customerID, kind: s.kind, name: s.name)
                } else if s.kind != .change {
                    // A first application shows as under review with its type; a change keeps the
                    // customer verified as an individual until it is approved.
                    try await db.raw("UPDATE customers SET verified_status = '0', customer_type = \(bind: s.kind == .individual ? 0 : 1) WHERE id = \(bind: s.customerID)").run()
                }
                return RealnameApplyResponse(isReview: s.automatic ? 0 : 1)
            }
        }
        do {
            return try await attempt()
        } catch where Database.isUniqueViolation(error) {
            return try await attempt()  // a concurrent application won; the re-check answers CBC.99007188
        }
    }

    static func applyApproval(_ db: any SQLDatabase, customerID: String, kind: Kind, name: String) async throws {
        try await db.raw("UPDATE customers SET verified_status = '2', real_name = \(bind: name), customer_type = \(bind: kind == .individual ? 0 : 1) WHERE id = \(bind: customerID)").run()
    }

    // MARK: result

    public func result(caller: Principal, customerID id: String) async throws -> RealnameResultResponse {
        return try await database.read { db in
            guard try await db.raw("SELECT id FROM customers WHERE id = \(bind: id) AND partner_id = \(bind: caller.domainID) AND bound = 1").first() != nil else {
                throw Refusal.forbidden
            }
            guard let row = try await db.raw("SELECT status, opinion FROM realname_applications WHERE customer_id = \(bind: id) ORDER BY submitted_at DESC, id DESC").first() else {
                return RealnameResultResponse()
            }
            switch try row.decode(column: "status", as: String.self) {
            case "pending": return RealnameResultResponse(reviewResult: 0)
            case "rejected": return RealnameResultResponse(reviewResult: 1, opinion: try row.decode(column: "opinion", as: String?.self))
            default: return RealnameResultResponse(reviewResult: 2)
            }
        }
    }

    /// ShowRealNameAuthStatus: the calling customer's own state, as its partner's
    /// applications and the operator's reviews left it.
    public func status(caller: Principal) async throws -> RealnameStatusResponse {
        try await database.read { db in
            guard let row = try await db.raw("SELECT verified_status, customer_type FROM customers WHERE id = \(bind: caller.domainID)").first() else {
                throw Refusal.forbidden
            }
            let status = Int(try row.decode(column: "verified_status", as: String.self)) ?? -1
            let type = try row.decode(column: "customer_type", as: Int?.self)
            return RealnameStatusResponse(verifiedStatus: status, verifiedType: status == -1 ? nil : type.flatMap { $0 < 0 ? nil : $0 })
        }
    }

    // MARK: review queue (operator)

    public func list(status: String?) async throws -> [RealnameApplication] {
        if let status { try Check.oneOf(status, "status", ["pending", "approved", "rejected"]) }
        return try await database.read { db in
            var q: SQLQueryString = """
                SELECT r.id, r.customer_id, a.name AS customer_name, r.partner_id, r.kind, r.identify_type, r.name, r.verified_number,
                       r.files, r.status, r.opinion, r.submitted_at, r.reviewed_at
                FROM realname_applications r JOIN accounts a ON a.id = r.customer_id
                """
            if let status { q += " WHERE r.status = \(bind: status)" }
            q += " ORDER BY r.submitted_at, r.id"
            return try await db.raw(q).all().map { r in
                RealnameApplication(
                    id: try r.decode(column: "id", as: String.self), customerID: try r.decode(column: "customer_id", as: String.self),
                    customerName: try r.decode(column: "customer_name", as: String.self), partnerID: try r.decode(column: "partner_id", as: String.self),
                    kind: try r.decode(column: "kind", as: String.self), identifyType: try r.decode(column: "identify_type", as: Int.self),
                    name: try r.decode(column: "name", as: String.self), verifiedNumber: try r.decode(column: "verified_number", as: String.self),
                    files: (try? JSONDecoder().decode([String].self, from: Data(try r.decode(column: "files", as: String.self).utf8))) ?? [],
                    status: try r.decode(column: "status", as: String.self), opinion: try r.decode(column: "opinion", as: String?.self),
                    submittedAt: WireTime.utc(try r.decode(column: "submitted_at", as: Int64.self)),
                    reviewedAt: try r.decode(column: "reviewed_at", as: Int64?.self).map(WireTime.utc))
            }
        }
    }

    /// Approves or rejects a pending application, given by its id or by its customer's id.
    public func review(applicationID: String?, customerID: String?, approve: Bool, reason: String?) async throws -> RealnameApplication {
        if !approve {
            guard let r = reason, !r.trimmingCharacters(in: .whitespaces).isEmpty else { throw Refusal.parameter("reason", "is required to reject") }
            try Check.length(r, "reason", max: 256)
        }
        let appID: String = try await database.transaction { db in
            let row: (any SQLRow)?
            if let applicationID {
                row = try await db.raw("SELECT id, customer_id, kind, name, status FROM realname_applications WHERE id = \(bind: applicationID)").first()
            } else if let customerID {
                row = try await db.raw("SELECT id, customer_id, kind, name, status FROM realname_applications WHERE customer_id = \(bind: customerID) AND status = 'pending'").first()
            } else {
                throw Refusal.parameter("id", "give the application id or the customer id")
            }
            guard let row else { throw Refusal(.unknownObject, "Invalid parameter: no such pending real-name application.") }
            guard try row.decode(column: "status", as: String.self) == "pending" else {
                throw Refusal(.stateConflict, "Invalid parameter: the application has already been reviewed.")
            }
            let id = try row.decode(column: "id", as: String.self)
            let customer = try row.decode(column: "customer_id", as: String.self)
            let kind = Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .individual
            let now = try await BusinessClock.now(db)
            if approve {
                try await db.raw("UPDATE realname_applications SET status = 'approved', reviewed_at = \(bind: now) WHERE id = \(bind: id)").run()
                try await Self.applyApproval(db, customerID: customer, kind: kind, name: try row.decode(column: "name", as: String.self))
            } else {
                try await db.raw("UPDATE realname_applications SET status = 'rejected', opinion = \(bind: reason), reviewed_at = \(bind: now) WHERE id = \(bind: id)").run()
                if kind != .change {
                    try await db.raw("UPDATE customers SET verified_status = '1' WHERE id = \(bind: customer)").run()
                }
            }
            return id
        }
        return try await list(status: nil).first { $0.id == appID }!
    }
}
