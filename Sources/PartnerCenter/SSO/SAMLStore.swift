import Foundation
import SQLKit

/// SSO state in storage: signing keys, registered IdPs, outstanding requests, used assertions,
/// pending first-login bindings, the built-in IdP's pending logins and console sessions.
public struct SAMLStore: Sendable {
    public let database: Database
    public let masterKey: MasterKey

    public struct RegisteredIdP: Sendable, Codable, Equatable {
        public var partnerID: String
        public var xaccountType: String
        public var entityID: String
        public var ssoURL: String
        public var signingCert: String
        public var notifyURL: String?
        public var builtin: Bool
        enum CodingKeys: String, CodingKey {
            case partnerID = "partner_id", xaccountType = "xaccount_type", entityID = "entity_id", ssoURL = "sso_url"
            case signingCert = "signing_certificate", notifyURL = "notify_url", builtin
        }
    }

    public struct PendingRequest: Sendable {
        public var id: String
        public var partnerID: String
        public var service: String
        public var firstLogin: Bool
    }

    public struct PendingBinding: Sendable {
        public var partnerID: String
        public var xaccountType: String
        public var xUserID: String
        public var name: String?
        public var mobile: String?
        public var email: String?
        public var service: String
    }

    public struct PendingLogin: Sendable {
        public var partnerID: String
        public var requestID: String
        public var acs: String
        public var relayState: String
    }

    static func hash(_ token: String) -> String { SDKSignature.hexSHA256(Array(token.utf8)) }

    // MARK: keys

    /// The key pair stored for `owner`, made on first use. Concurrent first uses keep one pair.
    public func keyPair(owner: String, commonName: String) async throws -> SigningKeyPair {
        if let pair = try await storedPair(owner) { return pair }
        let fresh = try SigningKeyPair.generate(commonName: commonName)
        let sealed = try masterKey.seal(fresh.keyPEM)
        try await database.transaction { db in
            if try await db.raw("SELECT owner FROM saml_keys WHERE owner = \(bind: owner)").first() == nil {
                try await db.raw("""
                    INSERT INTO saml_keys (owner, key_sealed, cert_pem, created_at)
                    VALUES (\(bind: owner), \(bind: sealed), \(bind: fresh.certPEM), \(bind: WireTime.nowMillis()))
                    ON CONFLICT (owner) DO NOTHING
                    """).run()
            }
        }
        guard let pair = try await storedPair(owner) else { throw ConfigError("SAML key for \(owner) was not stored") }
        return pair
    }

    /// The SP's key pair, made once for every instance.
    public func spKeyPair() async throws -> SigningKeyPair {
        try await keyPair(owner: "sp", commonName: "partner-center SAML SP")
    }

    /// The key pair of a partner's built-in IdP.
    public func idpKeyPair(partnerID: String) async throws -> SigningKeyPair {
        try await keyPair(owner: "idp:" + partnerID, commonName: "partner-center IdP \(partnerID)")
    }

    private func storedPair(_ owner: String) async throws -> SigningKeyPair? {
        guard let row = try await database.read({ try await $0.raw("SELECT key_sealed, cert_pem FROM saml_keys WHERE owner = \(bind: owner)").first() }) else {
            return nil
        }
        return SigningKeyPair(keyPEM: try masterKey.open(try row.decode(column: "key_sealed", as: String.self)),
                              certPEM: try row.decode(column: "cert_pem", as: String.self))
    }

    // MARK: IdP registry

    static let idpColumns = "i.partner_id, a.xaccount_type, i.entity_id, i.sso_url, i.signing_cert, i.notify_url, i.builtin"

    static func idp(_ r: any SQLRow) throws -> RegisteredIdP {
        RegisteredIdP(partnerID: try r.decode(column: "partner_id", as: String.self),
                      xaccountType: try r.decode(column: "xaccount_type", as: String?.self) ?? "",
                      entityID: try r.decode(column: "entity_id", as: String.self),
                      ssoURL: try r.decode(column: "sso_url", as: String.self),
                      signingCert: try r.decode(column: "signing_cert", as: String.self),
                      notifyURL: try r.decode(column: "notify_url", as: String?.self),
                      builtin: try r.decode(column: "builtin", as: Int.self) != 0)
    }

    /// Registers (or replaces) a partner's IdP. A new `xaccountType` is given to the partner and
    /// carried over to its customers in the same transaction, so existing bindings keep working.
    public func register(partnerID: String, metadata: IdPMetadata, xaccountType: String?, notifyURL: String?, builtin: Bool) async throws -> RegisteredIdP {
        if let code = xaccountType {
            guard (2...32).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw Refusal.parameter("xaccount_type", "must be 2-32 letters, digits, '_' or '-'")
            }
        }
        if let url = notifyURL {
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
                throw Refusal.parameter("notify_url", "must be an http(s) URL")
            }
        }
        return try await database.transaction { db in
            guard let row = try await db.raw("SELECT kind, xaccount_type FROM accounts WHERE id = \(bind: partnerID)").first(),
                  let kind = AccountKind(rawValue: try row.decode(column: "kind", as: String.self)), kind.isPartner else {
                throw Refusal(.unknownPartner, "The partner \(partnerID) does not exist.")
            }
            let current = try row.decode(column: "xaccount_type", as: String?.self)
            if let code = xaccountType, code != current {
                if try await db.raw("SELECT id FROM accounts WHERE xaccount_type = \(bind: code) AND id <> \(bind: partnerID)").first() != nil {
                    throw Refusal.invalid("xaccount_type", "\(code) is already assigned to another partner")
                }
                try await AccountStore.setPlatformIdentifier(db, partnerID: partnerID, to: code)
                if let old = current { try await CustomerStore.renamePlatform(db, from: old, to: code) }
            } else if current == nil {
                throw Refusal.parameter("xaccount_type", "this partner has no platform identifier yet: give --xaccount-type")
            }
            let now = WireTime.nowMillis()
            try await db.raw("DELETE FROM saml_idps WHERE partner_id = \(bind: partnerID)").run()
            try await db.raw("""
                INSERT INTO saml_idps (partner_id, entity_id, sso_url, signing_cert, metadata, notify_url, builtin, updated_at)
                VALUES (\(bind: partnerID), \(bind: metadata.entityID), \(bind: metadata.ssoURL), \(bind: metadata.signingCertPEM),
                        \(bind: metadata.document), \(bind: notifyURL), \(bind: builtin ? 1 : 0), \(bind: now))
                """).run()
            guard let r = try await db.raw("SELECT \(unsafeRaw: Self.idpColumns) FROM saml_idps i JOIN accounts a ON a.id = i.partner_id WHERE i.partner_id = \(bind: partnerID)").first() else {
                throw ConfigError("IdP registration vanished")
            }
            return try Self.idp(r)
        }
    }

    public func idp(partnerID: String) async throws -> RegisteredIdP? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.idpColumns) FROM saml_idps i JOIN accounts a ON a.id = i.partner_id WHERE i.partner_id = \(bind: partnerID)")
                .first().map(Self.idp)
        }
    }

    public func idp(xaccountType: String) async throws -> RegisteredIdP? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.idpColumns) FROM saml_idps i JOIN accounts a ON a.id = i.partner_id WHERE a.xaccount_type = \(bind: xaccountType)")
                .first().map(Self.idp)
        }
    }

    public func deleteIdP(partnerID: String) async throws -> Bool {
        try await database.transaction { db in
            let found = try await db.raw("SELECT partner_id FROM saml_idps WHERE partner_id = \(bind: partnerID)").first() != nil
            try await db.raw("DELETE FROM saml_idps WHERE partner_id = \(bind: partnerID)").run()
            return found
        }
    }

    // MARK: requests and assertions

    public func remember(request: PendingRequest, browser: String, ttl: Int64 = 10 * 60 * 1000) async throws {
        let now = WireTime.nowMillis()
        try await database.transaction { db in
            try await db.raw("DELETE FROM saml_requests WHERE expires_at < \(bind: now - 24 * 3600 * 1000)").run()
            try await db.raw("""
                INSERT INTO saml_requests (id, partner_id, browser_hash, service, first_login, created_at, expires_at)
                VALUES (\(bind: request.id), \(bind: request.partnerID), \(bind: Self.hash(browser)), \(bind: request.service),
                        \(bind: request.firstLogin ? 1 : 0), \(bind: now), \(bind: now + ttl))
                """).run()
        }
    }

    /// The outstanding request this Response answers, if it was made from this browser and is still open.
    public func outstanding(id: String, browser: String?) async throws -> PendingRequest? {
        guard let browser else { return nil }
        return try await database.read { db in
            guard let r = try await db.raw("""
                SELECT id, partner_id, service, first_login FROM saml_requests
                WHERE id = \(bind: id) AND browser_hash = \(bind: Self.hash(browser)) AND consumed_at IS NULL AND expires_at > \(bind: WireTime.nowMillis())
                """).first() else { return nil }
            return PendingRequest(id: try r.decode(column: "id", as: String.self), partnerID: try r.decode(column: "partner_id", as: String.self),
                                  service: try r.decode(column: "service", as: String.self),
                                  firstLogin: try r.decode(column: "first_login", as: Int.self) != 0)
        }
    }

    /// Closes the request and records the assertion id, both once: a second use of either is refused.
    public func consume(requestID: String, assertionID: String, partnerID: String, assertionExpires: Int64) async throws {
        let now = WireTime.nowMillis()
        do {
            try await database.transaction { db in
                if try await db.raw("SELECT id FROM saml_assertions WHERE id = \(bind: assertionID)").first() != nil {
                    throw SSOFailure("replay", "this assertion was already used")
                }
                let open = try await db.raw("""
                    SELECT id FROM saml_requests WHERE id = \(bind: requestID) AND consumed_at IS NULL\(database.backend.forUpdate)
                    """).first()
                guard open != nil else { throw SSOFailure("in-response-to", "the request this response answers was already used") }
                try await db.raw("UPDATE saml_requests SET consumed_at = \(bind: now) WHERE id = \(bind: requestID)").run()
                try await db.raw("DELETE FROM saml_assertions WHERE expires_at < \(bind: now - 24 * 3600 * 1000)").run()
                try await db.raw("""
                    INSERT INTO saml_assertions (id, partner_id, used_at, expires_at)
                    VALUES (\(bind: assertionID), \(bind: partnerID), \(bind: now), \(bind: max(assertionExpires, now) + SAML.skewMillis))
                    """).run()
            }
        } catch where Database.isUniqueViolation(error) {
            throw SSOFailure("replay", "this assertion was already used")
        }
    }

    // MARK: first-login bindings

    public func beginBinding(_ b: PendingBinding) async throws -> String {
        let token = Identifiers.token()
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO saml_bindings (token_hash, partner_id, xaccount_type, xuser_id, name, mobile, email, service, expires_at)
                VALUES (\(bind: Self.hash(token)), \(bind: b.partnerID), \(bind: b.xaccountType), \(bind: b.xUserID), \(bind: b.name),
                        \(bind: b.mobile), \(bind: b.email), \(bind: b.service), \(bind: WireTime.nowMillis() + 30 * 60 * 1000))
                """).run()
        }
        return token
    }

    public func binding(token: String) async throws -> PendingBinding? {
        try await database.read { db in
            guard let r = try await db.raw("""
                SELECT partner_id, xaccount_type, xuser_id, name, mobile, email, service FROM saml_bindings
                WHERE token_hash = \(bind: Self.hash(token)) AND done_at IS NULL AND expires_at > \(bind: WireTime.nowMillis())
                """).first() else { return nil }
            return PendingBinding(partnerID: try r.decode(column: "partner_id", as: String.self),
                                  xaccountType: try r.decode(column: "xaccount_type", as: String.self),
                                  xUserID: try r.decode(column: "xuser_id", as: String.self),
                                  name: try r.decode(column: "name", as: String?.self), mobile: try r.decode(column: "mobile", as: String?.self),
                                  email: try r.decode(column: "email", as: String?.self), service: try r.decode(column: "service", as: String.self))
        }
    }

    public func finishBinding(token: String) async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE saml_bindings SET done_at = \(bind: WireTime.nowMillis()) WHERE token_hash = \(bind: Self.hash(token))").run()
        }
    }

    /// Binds an existing customer of the partner to the platform user, after its password was checked.
    /// Refused when the customer is already bound to another user of this platform.
    public func bindExisting(customerID: String, binding b: PendingBinding) async throws {
        do {
            try await bindOnce(customerID: customerID, binding: b)
        } catch where Database.isUniqueViolation(error) {
            // Another browser bound this platform user to another account at the same moment.
            throw SSOFailure("bind", "this platform user is already bound to another account")
        }
    }

    private func bindOnce(customerID: String, binding b: PendingBinding) async throws {
        try await database.transaction { db in
            // The customer row is locked, so two bindings of one account take turns.
            guard let r = try await db.raw("""
                SELECT c.xaccount_type, c.xaccount_id FROM customers c
                WHERE c.id = \(bind: customerID) AND (c.partner_id = \(bind: b.partnerID)
                      OR c.partner_id IN (SELECT id FROM accounts WHERE parent_id = \(bind: b.partnerID)))\(database.backend.forUpdate)
                """).first() else {
                throw SSOFailure("bind", "that account is not a customer of this partner")
            }
            let type = try r.decode(column: "xaccount_type", as: String.self), id = try r.decode(column: "xaccount_id", as: String.self)
            if type == b.xaccountType && id != b.xUserID {
                throw SSOFailure("bind", "that account is already bound to another user of this platform")
            }
            if try await db.raw("SELECT id FROM customers WHERE xaccount_type = \(bind: b.xaccountType) AND xaccount_id = \(bind: b.xUserID) AND id <> \(bind: customerID)").first() != nil {
                throw SSOFailure("bind", "this platform user is already bound to another account")
            }
            try await CustomerStore.bindPlatformUser(db, customerID: customerID, xaccountType: b.xaccountType, xaccountID: b.xUserID)
        }
    }

    // MARK: customers

    public struct BoundCustomer: Sendable {
        public var id: String
        public var name: String
        public var partnerID: String
        public var active: Bool
    }

    /// The customer bound to (platform, user), as CreateSubCustomer or a binding left it.
    public func boundCustomer(xaccountType: String, xUserID: String) async throws -> BoundCustomer? {
        try await database.read { db in
            guard let r = try await db.raw("""
                SELECT c.id, a.name, c.partner_id, a.status FROM customers c JOIN accounts a ON a.id = c.id
                WHERE c.xaccount_type = \(bind: xaccountType) AND c.xaccount_id = \(bind: xUserID)
                """).first() else { return nil }
            return BoundCustomer(id: try r.decode(column: "id", as: String.self), name: try r.decode(column: "name", as: String.self),
                                 partnerID: try r.decode(column: "partner_id", as: String.self),
                                 active: try r.decode(column: "status", as: String.self) == "active")
        }
    }

    /// Checks a customer's name and password (the built-in IdP's and the binding page's login).
    public func checkCustomerPassword(domainName: String, password: String) async throws -> (id: String, xaccountType: String, xaccountID: String, partnerID: String, mobile: String?)? {
        let row = try await database.read { db in
            try await db.raw("""
                SELECT a.id, a.password_hash, a.mobile, a.status, c.xaccount_type, c.xaccount_id, c.partner_id
                FROM accounts a JOIN customers c ON c.id = a.id WHERE a.name = \(bind: domainName)
                """).first()
        }
        guard let row, let hash = try row.decode(column: "password_hash", as: String?.self),
              try row.decode(column: "status", as: String.self) == "active",
              Passwords.verify(password, against: hash) else { return nil }
        return (try row.decode(column: "id", as: String.self), try row.decode(column: "xaccount_type", as: String.self),
                try row.decode(column: "xaccount_id", as: String.self), try row.decode(column: "partner_id", as: String.self),
                try row.decode(column: "mobile", as: String?.self))
    }

    // MARK: built-in IdP logins

    public func beginLogin(_ l: PendingLogin) async throws -> String {
        let token = Identifiers.token()
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO idp_logins (token_hash, partner_id, request_id, acs, relay_state, expires_at)
                VALUES (\(bind: Self.hash(token)), \(bind: l.partnerID), \(bind: l.requestID), \(bind: l.acs), \(bind: l.relayState),
                        \(bind: WireTime.nowMillis() + 15 * 60 * 1000))
                """).run()
        }
        return token
    }

    public func login(token: String) async throws -> PendingLogin? {
        try await database.read { db in
            guard let r = try await db.raw("""
                SELECT partner_id, request_id, acs, relay_state FROM idp_logins
                WHERE token_hash = \(bind: Self.hash(token)) AND done_at IS NULL AND expires_at > \(bind: WireTime.nowMillis())
                """).first() else { return nil }
            return PendingLogin(partnerID: try r.decode(column: "partner_id", as: String.self), requestID: try r.decode(column: "request_id", as: String.self),
                                acs: try r.decode(column: "acs", as: String.self), relayState: try r.decode(column: "relay_state", as: String.self))
        }
    }

    public func finishLogin(token: String) async throws {
        try await database.transaction { db in
            try await db.raw("UPDATE idp_logins SET done_at = \(bind: WireTime.nowMillis()) WHERE token_hash = \(bind: Self.hash(token))").run()
        }
    }

    // MARK: console sessions

    public func startSession(customerID: String, ttl: Int64 = 8 * 3600 * 1000) async throws -> String {
        let token = Identifiers.token()
        let now = WireTime.nowMillis()
        try await database.transaction { db in
            try await db.raw("DELETE FROM console_sessions WHERE expires_at < \(bind: now)").run()
            try await db.raw("""
                INSERT INTO console_sessions (token_hash, customer_id, created_at, expires_at)
                VALUES (\(bind: Self.hash(token)), \(bind: customerID), \(bind: now), \(bind: now + ttl))
                """).run()
        }
        return token
    }

    public func session(token: String) async throws -> String? {
        try await database.read { db in
            try await db.raw("SELECT customer_id FROM console_sessions WHERE token_hash = \(bind: Self.hash(token)) AND expires_at > \(bind: WireTime.nowMillis())")
                .first()?.decode(column: "customer_id", as: String.self)
        }
    }

    public func endSession(token: String) async throws {
        try await database.transaction { db in
            try await db.raw("DELETE FROM console_sessions WHERE token_hash = \(bind: Self.hash(token))").run()
        }
    }
}
