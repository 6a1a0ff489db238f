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

    enum Kind: String { case individual, enterprise, change }

    struct Submission {
        var customerID: String
        var kind: Kind
        var identifyType: Int
        var verifiedType: Int?
        var certificateType: Int?
        var name: String
        var verifiedNumber: String
        var files: [String]
        var details: [String: String]
        var xaccountType: String
        /// Bank-card checks answer at once; document reviews queue for the operator.
        var automatic: Bool
    }

    static let fileExtensions: Set<String> = ["jpg", "jpeg", "bmp", "png", "gif", "pdf"]

    static func checkFiles(_ files: [String]?, count: ClosedRange<Int>) throws -> [String] {
        guard let files, !files.isEmpty else { throw Refusal.parameter("verified_file_url", "is required") }
        guard files.count <= 4 else { throw Refusal.parameter("verified_file_url", "has more than 4 entries") }
        guard count.contains(files.count) else {
            throw Refusal.parameter("verified_file_url", "must have \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound)-\(count.upperBound)") entries for this authentication type")
        }
        for f in files {
            // Relative object paths under the bucket's download/ directory only.
            guard !f.isEmpty, f.count <= 255, !f.hasPrefix("/"), !f.contains("://"), !f.hasPrefix("download/"), !f.contains("..") else {
                throw Refusal.parameter("verified_file_url", "must hold paths relative to the bucket's download/ directory, e.g. test/abc023.jpg")
            }
            let ext = (f as NSString).pathExtension.lowercased()
            guard fileExtensions.contains(ext) else {
                throw Refusal(.attachmentFormat, "The attachment format of \(f) is not allowed: use jpg, jpeg, bmp, png, gif or pdf.")
            }
        }
        return files
    }

    static func checkCorpName(_ name: String) throws {
        // Must not be only digits, special characters or spaces.
        guard name.contains(where: { $0.isLetter }) else { throw Refusal.parameter("corp_name", "must not consist only of digits, special characters or spaces") }
    }

    // MARK: apply

    public func applyIndividual(caller: Principal, _ r: IndividualRealnameRequest) async throws -> RealnameApplyResponse {
        let customerID = try Check.required(r.customerID, "customer_id", max: 64)
        guard let identifyType = r.identifyType else { throw Refusal.parameter("identify_type", "is required") }
        guard identifyType == 0 || identifyType == 4 else { throw Refusal.parameter("identify_type", "must be 0 (identity document) or 4 (bank card)") }
        let name = try Check.required(r.name, "name", max: 255)
        let number = try Check.required(r.verifiedNumber, "verified_number", max: 32)
        let xType = try Check.required(r.xaccountType, "xaccount_type", max: 64)
        if let c = r.changeType, c != -1 { throw Refusal.parameter("change_type", "must be -1 (first authentication)") }
        var details: [String: String] = [:]
        let files: [String]
        if identifyType == 0 {
            guard let vt = r.verifiedType else { throw Refusal.parameter("verified_type", "is required when identify_type is 0") }
            guard [3, 5, 6, 9, 10].contains(vt) else { throw Refusal.parameter("verified_type", "must be one of 3, 5, 6, 9, 10") }
            files = try Self.checkFiles(r.verifiedFileURL, count: 3...3)
        } else {
            guard let card = r.bankCardInfo else { throw Refusal.parameter("bank_card_info", "is required when identify_type is 4") }
            let account = try Check.required(card.bankAccount, "bank_card_info.bank_account", max: 32)
            guard let first = account.unicodeScalars.first, first.isASCII, CharacterSet.alphanumerics.contains(first),
                  account.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }) else {
                throw Refusal.parameter("bank_card_info.bank_account", "must be letters, digits and '-', starting with a letter or digit")
            }
            let area = try Check.required(card.areacode, "bank_card_info.areacode", max: 8)
            let mobile = try Check.required(card.mobile, "bank_card_info.mobile", max: 32)
            let code = try Check.required(card.verificationCode, "bank_card_info.verification_code", max: 32)
            guard code.count == 6, code.allSatisfy(\.isNumber) else { throw Refusal(.verificationCodeExpired, "The verification code has expired or is invalid.") }
            if area == "0086" { try CustomerRules.validateMobile(mobile) }
            details = ["bank_account": account, "areacode": area, "mobile": mobile]
            files = try Self.checkFiles(r.verifiedFileURL, count: 1...1)
        }
        return try await submit(caller: caller, Submission(
            customerID: customerID, kind: .individual, identifyType: identifyType, verifiedType: r.verifiedType, certificateType: nil,
            name: name, verifiedNumber: number, files: files, details: details, xaccountType: xType, automatic: identifyType == 4))
    }

    public func applyEnterprise(caller: Principal, _ r: EnterpriseRealnameRequest, change: Bool) async throws -> RealnameApplyResponse {
        let customerID = try Check.required(r.customerID, "customer_id", max: 64)
        guard let identifyType = r.identifyType else { throw Refusal.parameter("identify_type", "is required") }
        guard identifyType == 1 else { throw Refusal.parameter("identify_type", "must be 1 (organisation documents)") }
        if let ct = r.certificateType, ![0, 1, 2, 3, 4, 99].contains(ct) { throw Refusal.parameter("certificate_type", "must be one of 0, 1, 2, 3, 4, 99") }
        let corp = try Check.required(r.corpName, "corp_name", max: 255)
        try Self.checkCorpName(corp)
        let number = try Check.required(r.verifiedNumber, "verified_number", max: 64)
        let xType = try Check.required(r.xaccountType, "xaccount_type", max: 64)
        try Check.length(r.regAddress, "reg_address", max: 255)
        if let c = r.regCountry, !c.isEmpty, !(c.count == 2 && c.allSatisfy({ $0.isASCII && $0.isUppercase })) {
            throw Refusal.parameter("reg_country", "must be an ISO 3166 alpha-2 code such as CN")
        }
        if change {
            guard let c = r.changeType else { throw Refusal.parameter("change_type", "is required") }
            guard c == 1 else { throw Refusal.parameter("change_type", "must be 1 (individual to enterprise)") }
        }
        var details: [String: String] = [:]
        if let a = r.regCountry { details["reg_country"] = a }
        if let a = r.regAddress { details["reg_address"] = a }
        var fileCount = 1...1
        if let p = r.enterprisePerson {
            details["legel_name"] = try Check.required(p.legelName, "enterprise_person.legel_name", max: 255)
            details["legel_id_number"] = try Check.required(p.legelIDNumber, "enterprise_person.legel_id_number", max: 64)
            try Check.length(p.certifierRole, "enterprise_person.certifier_role", max: 32)
            if let role = p.certifierRole { details["certifier_role"] = role }
            fileCount = 1...3
        }
        let files = try Self.checkFiles(r.verifiedFileURL, count: fileCount)
        return try await submit(caller: caller, Submission(
            customerID: customerID, kind: change ? .change : .enterprise, identifyType: identifyType, verifiedType: nil,
            certificateType: r.certificateType, name: corp, verifiedNumber: number, files: files, details: details,
            xaccountType: xType, automatic: false))
    }

    func submit(caller: Principal, _ s: Submission) async throws -> RealnameApplyResponse {
        let id = Identifiers.domainID()
        let filesJSON = String(decoding: try JSONEncoder().encode(s.files), as: UTF8.self)
        let detailsJSON = String(decoding: try JSONEncoder().encode(s.details), as: UTF8.self)
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

    public func result(caller: Principal, customerID: String?) async throws -> RealnameResultResponse {
        let id = try Check.required(customerID, "customer_id", max: 64)
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
