import Foundation
import SQLKit

/// Accounts, access keys and tokens in storage.
public struct AccountStore: Sendable {
    public let database: Database
    public let masterKey: MasterKey

    public init(database: Database, masterKey: MasterKey) {
        self.database = database
        self.masterKey = masterKey
    }

    public struct Account: Sendable, Codable, Equatable {
        public var domainID: String
        public var domainName: String
        public var kind: AccountKind
        public var parentID: String?
        public var xaccountType: String?
        public var status: String
        public var createdAt: Int64

        enum CodingKeys: String, CodingKey {
            case domainID = "domain_id", domainName = "domain_name", kind, parentID = "parent_id"
            case xaccountType = "xaccount_type", status, createdAt = "created_at"
        }
    }

    public struct KeyPair: Sendable, Codable, Equatable {
        public var accessKey: String
        public var secretKey: String
        enum CodingKeys: String, CodingKey { case accessKey = "access_key", secretKey = "secret_key" }
    }

    public struct KeyInfo: Sendable, Codable, Equatable {
        public var accessKey: String
        public var domainID: String
        public var status: String
        public var createdAt: String
        enum CodingKeys: String, CodingKey { case accessKey = "access_key", domainID = "domain_id", status, createdAt = "created_at" }
    }

    static let accountColumns = "id, name, kind, parent_id, xaccount_type, status, created_at"

    static func account(_ row: any SQLRow) throws -> Account {
        guard let kind = AccountKind(rawValue: try row.decode(column: "kind", as: String.self)) else {
            throw ConfigError("unknown account kind in database")
        }
        return Account(domainID: try row.decode(column: "id", as: String.self),
                       domainName: try row.decode(column: "name", as: String.self),
                       kind: kind,
                       parentID: try row.decode(column: "parent_id", as: String?.self),
                       xaccountType: try row.decode(column: "xaccount_type", as: String?.self),
                       status: try row.decode(column: "status", as: String.self),
                       createdAt: try row.decode(column: "created_at", as: Int64.self))
    }

    /// Assigns a partner's platform identifier (`xaccount_type`); the caller checked it is free.
    static func setPlatformIdentifier(_ db: any SQLDatabase, partnerID: String, to code: String) async throws {
        try await db.raw("UPDATE accounts SET xaccount_type = \(bind: code) WHERE id = \(bind: partnerID)").run()
    }

    /// The sign-in account of a new customer (its `customers` row is the customer domain's).
    static func insertCustomerAccount(_ db: any SQLDatabase, id: String, name: String, passwordHash: String, mobile: String?, at now: Int64) async throws {
        try await db.raw("""
            INSERT INTO accounts (id, name, kind, password_hash, mobile, status, created_at)
            VALUES (\(bind: id), \(bind: name), 'customer', \(bind: passwordHash), \(bind: mobile), 'active', \(bind: now))
            """).run()
    }

    // MARK: bootstrap

    /// Runs once per start: checks the master key against the database and makes sure
    /// the platform operator account exists.
    public func bootstrap() async throws {
        let fingerprint = masterKey.fingerprint
        try await database.transaction { db in
            // Instances starting together on a fresh database take turns here.
            if database.backend == .postgres { try await db.raw("SELECT pg_advisory_xact_lock(7262002)").run() }
            guard try await Settings.setIfAbsent(db, .masterKeyCheck, to: fingerprint) == fingerprint else {
                throw ConfigError("the master key does not match this database (set PARTNER_CENTER_MASTER_KEY or --master-key-file to the key it was created with)")
            }
            if try await db.raw("SELECT id FROM accounts WHERE kind = 'operator'").first() == nil {
                try await db.raw("""
                    INSERT INTO accounts (id, name, kind, status, created_at)
                    VALUES (\(bind: Identifiers.domainID()), 'operator', 'operator', 'active', \(bind: WireTime.nowMillis()))
                    """).run()
            }
        }
    }

    public func operatorAccount() async throws -> Account {
        try await database.read { db in
            guard let row = try await db.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE kind = 'operator'").first() else {
                throw ConfigError("no operator account: run `partner-center migrate`")
            }
            return try Self.account(row)
        }
    }

    // MARK: partners

    /// Partner account names: 3–64 letters, digits, `_` or `-`, not starting with a digit.
    static func validatePartnerName(_ name: String) throws {
        let ok = (3...64).contains(name.count) && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "_" || $0 == "-"
        } && !(name.first?.isNumber ?? true)
        if !ok { throw Refusal.parameter("name", "must be 3-64 letters, digits, '_' or '-', not starting with a digit") }
    }

    public func createPartner(name: String, kind: AccountKind, parentID: String?, password: String?,
                              fixedID: String? = nil, fixedKeys: KeyPair? = nil) async throws -> (Account, KeyPair) {
        try Self.validatePartnerName(name)
        guard kind.isPartner else { throw Refusal.parameter("kind", "must be distributor, reseller or solution-provider") }
        if kind == .reseller, parentID == nil { throw Refusal.parameter("parent_id", "is required for a reseller (its distributor's domain id)") }
        if kind != .reseller, parentID != nil { throw Refusal.parameter("parent_id", "is only for resellers") }
        let passwordHash = try password.map { pw -> String in
            guard pw.count >= 8 else { throw Refusal.parameter("password", "must have at least 8 characters") }
            return try Passwords.hash(pw)
        }
        let id = fixedID ?? Identifiers.domainID()
        let keys = fixedKeys ?? KeyPair(accessKey: Identifiers.accessKey(), secretKey: Identifiers.secretKey())
        let sealed = try masterKey.seal(keys.secretKey)
        let xaccountType = "\(name)_IDP"
        let now = WireTime.nowMillis()
        do {
            let account = try await database.transaction { db -> Account in
                if let parentID {
                    let parent = try await db.raw("SELECT kind FROM accounts WHERE id = \(bind: parentID)").first()
                    guard let parent, try parent.decode(column: "kind", as: String.self) == AccountKind.distributor.rawValue else {
                        throw Refusal.parameter("parent_id", "must be the domain id of a distributor")
                    }
                }
                if try await db.raw("SELECT id FROM accounts WHERE name = \(bind: name) OR xaccount_type = \(bind: xaccountType)").first() != nil {
                    throw Refusal(.accountNameTaken, "The account name \(name) already exists.")
                }
                try await db.raw("""
                    INSERT INTO accounts (id, name, kind, parent_id, password_hash, xaccount_type, status, created_at)
                    VALUES (\(bind: id), \(bind: name), \(bind: kind.rawValue), \(bind: parentID), \(bind: passwordHash), \(bind: xaccountType), 'active', \(bind: now))
                    """).run()
                try await Self.insertKey(db, keys.accessKey, sealed, accountID: id, now: now)
                return Account(domainID: id, domainName: name, kind: kind, parentID: parentID, xaccountType: xaccountType, status: "active", createdAt: now)
            }
            return (account, keys)
        } catch where Database.isUniqueViolation(error) {
            throw Refusal(.accountNameTaken, "The account name \(name) already exists.")
        }
    }

    public func account(id: String) async throws -> Account? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE id = \(bind: id)").first().map(Self.account)
        }
    }

    public func account(name: String) async throws -> Account? {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE name = \(bind: name)").first().map(Self.account)
        }
    }

    public func listPartners() async throws -> [Account] {
        try await database.read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts WHERE kind IN ('solution-provider', 'distributor', 'reseller') ORDER BY created_at, id").all().map(Self.account)
        }
    }

    // MARK: access keys

    static func insertKey(_ db: any SQLDatabase, _ ak: String, _ sealed: String, accountID: String, now: Int64) async throws {
        try await db.raw("""
            INSERT INTO access_keys (access_key, account_id, secret_sealed, status, created_at)
            VALUES (\(bind: ak), \(bind: accountID), \(bind: sealed), 'active', \(bind: now))
            """).run()
    }

    public func createKey(accountID: String) async throws -> KeyPair {
        let keys = KeyPair(accessKey: Identifiers.accessKey(), secretKey: Identifiers.secretKey())
        let sealed = try masterKey.seal(keys.secretKey)
        try await database.transaction { db in
            guard try await db.raw("SELECT id FROM accounts WHERE id = \(bind: accountID)").first() != nil else {
                throw Refusal(.unknownObject, "Invalid parameter: domain_id \(accountID) does not exist.")
            }
            let active = try await db.raw("SELECT COUNT(*) AS n FROM access_keys WHERE account_id = \(bind: accountID) AND status = 'active'").first()!.decode(column: "n", as: Int.self)
            // IAM allows two access keys per user; keep the same bound.
            guard active < 2 else {
                throw Refusal(.invalidParameter, "Invalid parameter: domain_id \(accountID) already has 2 active access keys; revoke one first.")
            }
            try await Self.insertKey(db, keys.accessKey, sealed, accountID: accountID, now: WireTime.nowMillis())
        }
        return keys
    }

    public func listKeys(accountID: String?) async throws -> [KeyInfo] {
        try await database.read { db in
            let rows: [any SQLRow]
            if let accountID {
                rows = try await db.raw("SELECT access_key, account_id, status, created_at FROM access_keys WHERE account_id = \(bind: accountID) ORDER BY created_at, access_key").all()
            } else {
                rows = try await db.raw("SELECT access_key, account_id, status, created_at FROM access_keys ORDER BY created_at, access_key").all()
            }
            return try rows.map {
                KeyInfo(accessKey: try $0.decode(column: "access_key", as: String.self),
                        domainID: try $0.decode(column: "account_id", as: String.self),
                        status: try $0.decode(column: "status", as: String.self),
                        createdAt: WireTime.utc(try $0.decode(column: "created_at", as: Int64.self)))
            }
        }
    }

    /// Revokes a key; answers false when there is no such active key.
    public func revokeKey(_ accessKey: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.raw("SELECT access_key FROM access_keys WHERE access_key = \(bind: accessKey) AND status = 'active'").first() != nil else { return false }
            try await db.raw("UPDATE access_keys SET status = 'revoked', revoked_at = \(bind: WireTime.nowMillis()) WHERE access_key = \(bind: accessKey)").run()
            return true
        }
    }

    /// The secret key of an active access key, unsealed (for the demo's printout and
    /// the signature check), with its owner.
    public func keyOwner(_ accessKey: String) async throws -> (Principal, secret: String)? {
        let found: (Principal, String)? = try await database.read { db in
            guard let row = try await db.raw("""
                SELECT a.id, a.name, a.kind, a.parent_id, a.status AS account_status, k.secret_sealed
                FROM access_keys k JOIN accounts a ON a.id = k.account_id
                WHERE k.access_key = \(bind: accessKey) AND k.status = 'active'
                """).first() else { return nil }
            guard try row.decode(column: "account_status", as: String.self) == "active",
                  let kind = AccountKind(rawValue: try row.decode(column: "kind", as: String.self)) else { return nil }
            let p = Principal(domainID: try row.decode(column: "id", as: String.self),
                              domainName: try row.decode(column: "name", as: String.self),
                              kind: kind, parentID: try row.decode(column: "parent_id", as: String?.self), via: "aksk")
            return (p, try row.decode(column: "secret_sealed", as: String.self))
        }
        guard let (principal, sealed) = found else { return nil }
        return (principal, try masterKey.open(sealed))
    }

    // MARK: tokens

    public struct IssuedToken: Sendable {
        public var token: String
        public var account: Account
        public var issuedAt: Int64
        public var expiresAt: Int64
    }

    /// IAM password method: the account's master user signs in with the account name.
    public func issueToken(userName: String, password: String, domainName: String?, ttlSeconds: Int) async throws -> IssuedToken? {
        let row: (Account, String?)? = try await database.read { db in
            guard let r = try await db.raw("SELECT \(unsafeRaw: Self.accountColumns), password_hash FROM accounts WHERE name = \(bind: userName)").first() else { return nil }
            return (try Self.account(r), try r.decode(column: "password_hash", as: String?.self))
        }
        guard let (account, hash) = row, let hash, account.status == "active",
              domainName == nil || domainName == account.domainName,
              Passwords.verify(password, against: hash) else { return nil }
        let token = Identifiers.token()
        let now = WireTime.nowMillis()
        let expires = now + Int64(ttlSeconds) * 1000
        try await database.transaction { db in
            // Expired tokens are useless; sweep them as new ones are issued.
            try await db.raw("DELETE FROM tokens WHERE expires_at < \(bind: now)").run()
            try await db.raw("INSERT INTO tokens (token_hash, account_id, issued_at, expires_at) VALUES (\(bind: SDKSignature.hexSHA256(Array(token.utf8))), \(bind: account.domainID), \(bind: now), \(bind: expires))").run()
        }
        return IssuedToken(token: token, account: account, issuedAt: now, expiresAt: expires)
    }

    /// IAM assume_role: a partner obtains a token for one of its own bound customers,
    /// standing for the agency the customer grants its partner. nil when the customer is
    /// not the partner's (the same answer whether it exists or not).
    public func issueAssumedToken(partner: Principal, customerName: String?, customerID: String?, ttlSeconds: Int) async throws -> IssuedToken? {
        let found: Account? = try await database.read { db in
            var q: SQLQueryString = """
                SELECT a.id, a.name, a.kind, a.parent_id, a.xaccount_type, a.status, a.created_at
                FROM accounts a JOIN customers c ON c.id = a.id
                WHERE c.partner_id = \(bind: partner.domainID) AND c.bound = 1 AND a.status = 'active'
                """
            if let customerID { q += " AND a.id = \(bind: customerID)" }
            if let customerName { q += " AND a.name = \(bind: customerName)" }
            return try await db.raw(q).first().map(Self.account)
        }
        guard let account = found else { return nil }
        let token = Identifiers.token()
        let now = WireTime.nowMillis()
        let expires = now + Int64(ttlSeconds) * 1000
        try await database.transaction { db in
            try await db.raw("""
                INSERT INTO tokens (token_hash, account_id, issued_at, expires_at, acting_partner_id)
                VALUES (\(bind: SDKSignature.hexSHA256(Array(token.utf8))), \(bind: account.domainID), \(bind: now), \(bind: expires), \(bind: partner.domainID))
                """).run()
        }
        return IssuedToken(token: token, account: account, issuedAt: now, expiresAt: expires)
    }

    public enum TokenCheck: Sendable { case valid(Principal), expired(Int64), unknown }

    public func checkToken(_ token: String, now: Int64 = WireTime.nowMillis()) async throws -> TokenCheck {
        let hash = SDKSignature.hexSHA256(Array(token.utf8))
        return try await database.read { db in
            guard let row = try await db.raw("""
                SELECT a.id, a.name, a.kind, a.parent_id, a.status, t.expires_at, t.acting_partner_id
                FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = \(bind: hash)
                """).first(),
                let kind = AccountKind(rawValue: try row.decode(column: "kind", as: String.self)),
                try row.decode(column: "status", as: String.self) == "active" else { return .unknown }
            let expires = try row.decode(column: "expires_at", as: Int64.self)
            if expires <= now { return .expired(expires) }
            let acting = try row.decode(column: "acting_partner_id", as: String?.self)
            return .valid(Principal(domainID: try row.decode(column: "id", as: String.self),
                                    domainName: try row.decode(column: "name", as: String.self),
                                    kind: kind, parentID: try row.decode(column: "parent_id", as: String?.self),
                                    via: acting == nil ? "token" : "assume_role", actingPartnerID: acting))
        }
    }
}

extension AccountStore {
    /// The oldest active key of an account, unsealed: lets `serve --demo` print the same
    /// credentials on every start instead of minting new ones.
    public func firstKey(accountID: String) async throws -> KeyPair? {
        let row: (String, String)? = try await database.read { db in
            guard let r = try await db.raw("SELECT access_key, secret_sealed FROM access_keys WHERE account_id = \(bind: accountID) AND status = 'active' ORDER BY created_at, access_key").first() else { return nil }
            return (try r.decode(column: "access_key", as: String.self), try r.decode(column: "secret_sealed", as: String.self))
        }
        guard let (ak, sealed) = row else { return nil }
        return KeyPair(accessKey: ak, secretKey: try masterKey.open(sealed))
    }
}
