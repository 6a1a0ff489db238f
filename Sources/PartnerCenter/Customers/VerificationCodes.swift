import Foundation
import SQLKit

/// SendVerificationCodeV2Req
public struct VerificationCodeRequest: Codable, Sendable {
    public var receiverType: Int?
    public var timeout: Int?
    public var mobilePhone: String?
    public var lang: String?
    public var scene: Int?
    public var customerID: String?
    enum CodingKeys: String, CodingKey {
        case receiverType = "receiver_type", timeout, mobilePhone = "mobile_phone", lang, scene, customerID = "customer_id"
    }
}

/// SendVerificationMessageCode, checked.
public struct VerificationCodeOrder: CheckedRequest {
    /// 29 registration (CreateSubCustomer), 18 a personal bank-card real-name authentication.
    public var scene: Int
    public var mobile: String
    /// How long the code holds, in minutes (Huawei: 10 by default; above 60 forced to 5).
    public var minutes: Int
    public var english: Bool
    /// Scene 18: the partner's customer being authenticated.
    public var customerID: String?

    public init(_ r: VerificationCodeRequest) throws {
        guard let type = r.receiverType else { throw Refusal.parameter("receiver_type", "is required") }
        guard type == 1 else { throw Refusal.parameter("receiver_type", "must be 1 (SMS)") }
        try Check.range(r.timeout, "timeout", 1...3000)
        minutes = r.timeout.map { $0 > 60 ? 5 : $0 } ?? 10
        mobile = try Check.required(r.mobilePhone, "mobile_phone", max: 32)
        do { try CustomerRules.validateMobile(mobile) } catch { throw Refusal.parameter("mobile_phone", "must be a mainland China mobile number like 13800000000") }
        try Check.length(r.lang, "lang", max: 16)
        let lang = Check.nonEmpty(r.lang) ?? "zh-cn"
        try Check.oneOf(lang, "lang", ["zh-cn", "en-us"])
        english = lang == "en-us"
        scene = r.scene ?? 29
        guard scene == 29 || scene == 18 else { throw Refusal.parameter("scene", "must be 29 (registration) or 18 (bank-card real-name authentication)") }
        try Check.length(r.customerID, "customer_id", max: 64)
        if scene == 18 {
            customerID = try Check.required(r.customerID, "customer_id", max: 64)
        }
    }
}

/// One message of the sandbox's SMS outbox.
public struct OutboxMessage: Codable, Sendable {
    public var id: String
    public var partnerID: String
    public var mobilePhone: String
    public var scene: Int
    public var customerID: String?
    public var code: String
    public var text: String
    public var sentAt: String
    public var expiresAt: String
    public var used: Bool
    enum CodingKeys: String, CodingKey {
        case id, partnerID = "partner_id", mobilePhone = "mobile_phone", scene, customerID = "customer_id", code, text
        case sentAt = "sent_at", expiresAt = "expires_at", used
    }
}

public struct Outbox: Codable, Sendable {
    public var messages: [OutboxMessage]
    public init(messages: [OutboxMessage]) { self.messages = messages }
}

/// SMS verification codes: the one writer of `verification_codes`. Nothing leaves the
/// deployment: a code "sent" lands in the outbox (`admin outbox list`, GET
/// /operator/v1/outbox), where a tester reads it.
///
/// Rules (on the business clock): one code a minute and ten a day per number and scene
/// (`CBC.99000082`); a code holds its validity; a newer code replaces the older ones; a code
/// is used once; more than three wrong tries kill it. Codes are matched by number and scene
/// (and, for a bank-card authentication, the customer), whoever sent them.
public struct VerificationCodeStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    static let perMinute = 1, perDay = 10, maxFailures = 3

    /// SendVerificationMessageCode
    public func send(caller: Principal, _ o: VerificationCodeOrder) async throws {
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            if let customer = o.customerID {
                // The caller's own customer, or (a distributor sending for a reseller) one of its resellers'.
                guard try await db.raw("""
                    SELECT c.id FROM customers c WHERE c.id = \(bind: customer) AND c.bound = 1
                      AND (c.partner_id = \(bind: caller.domainID) OR c.partner_id IN (SELECT a.id FROM accounts a WHERE a.parent_id = \(bind: caller.domainID) AND a.kind = 'reseller'))
                    """).first() != nil else {
                    throw Refusal(.notYourCustomer, "The customer \(customer) is not your customer.")
                }
            }
            let counts = try await db.raw("""
                SELECT CAST(COALESCE(SUM(CASE WHEN sent_at > \(bind: now - 60_000) THEN 1 ELSE 0 END), 0) AS BIGINT) AS minute, COUNT(*) AS day
                FROM verification_codes WHERE mobile = \(bind: o.mobile) AND scene = \(bind: o.scene) AND sent_at > \(bind: now - WireTime.dayMillis)
                """).first()!
            guard try counts.decode(column: "minute", as: Int.self) < Self.perMinute, try counts.decode(column: "day", as: Int.self) < Self.perDay else {
                throw Refusal(.verificationCodeLimit, "Too many verification codes for this number; try again later.")
            }
            let code = String(format: "%06d", Int.random(in: 0...999_999))
            let text = o.english ? "[HUAWEI CLOUD] Your verification code is \(code). It is valid for \(o.minutes) minutes."
                                 : "【华为云】您的验证码为\(code)，\(o.minutes)分钟内有效。"
            try await db.raw("""
                INSERT INTO verification_codes (id, partner_id, mobile, scene, customer_id, code, lang, text, sent_at, expires_at, failures, used_at)
                VALUES (\(bind: "VC" + Identifiers.domainID().prefix(24)), \(bind: caller.domainID), \(bind: o.mobile), \(bind: o.scene), \(bind: o.customerID),
                        \(bind: code), \(bind: o.english ? "en-us" : "zh-cn"), \(bind: text), \(bind: now), \(bind: now + Int64(o.minutes) * 60_000), 0, NULL)
                """).run()
        }
    }

    /// How a check of a code ended.
    enum Check: Equatable { case valid(id: String), wrong, lapsed, locked, none }

    /// Checks `code` against the newest code sent for the number and scene (and customer):
    /// a wrong try is counted in its own transaction, so it stays counted when the request fails.
    static func check(_ database: Database, mobile: String, scene: Int, customerID: String?, code: String) async throws -> Check {
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            var q: SQLQueryString = "SELECT id, code, expires_at, failures, used_at FROM verification_codes WHERE mobile = \(bind: mobile) AND scene = \(bind: scene)"
            if let customerID { q += " AND customer_id = \(bind: customerID)" }
            q += " ORDER BY sent_at DESC, id DESC LIMIT 1\(database.backend.forUpdate)"
            guard let row = try await db.raw(q).first(), try row.decode(column: "used_at", as: Int64?.self) == nil else { return .none }
            let id = try row.decode(column: "id", as: String.self)
            if try row.decode(column: "failures", as: Int.self) >= maxFailures { return .locked }
            if try row.decode(column: "expires_at", as: Int64.self) <= now { return .lapsed }
            guard try row.decode(column: "code", as: String.self) == code else {
                try await db.raw("UPDATE verification_codes SET failures = failures + 1 WHERE id = \(bind: id)").run()
                return .wrong
            }
            return .valid(id: id)
        }
    }

    /// Marks a code checked valid as used, in the caller's transaction: false when a
    /// concurrent request used it first.
    static func use(_ db: any SQLDatabase, id: String, now: Int64) async throws -> Bool {
        let before = try await db.raw("SELECT used_at FROM verification_codes WHERE id = \(bind: id)").first()?.decode(column: "used_at", as: Int64?.self)
        guard before == nil else { return false }
        try await db.raw("UPDATE verification_codes SET used_at = \(bind: now) WHERE id = \(bind: id) AND used_at IS NULL").run()
        return true
    }

    /// The outbox, newest first.
    public func outbox(mobile: String?, limit: Int = 200) async throws -> [OutboxMessage] {
        try await database.read { db in
            var q: SQLQueryString = "SELECT * FROM verification_codes"
            if let mobile { q += " WHERE mobile = \(bind: mobile)" }
            q += " ORDER BY sent_at DESC, id DESC LIMIT \(bind: limit)"
            return try await db.raw(q).all().map { r in
                OutboxMessage(id: try r.decode(column: "id", as: String.self), partnerID: try r.decode(column: "partner_id", as: String.self),
                              mobilePhone: try r.decode(column: "mobile", as: String.self), scene: try r.decode(column: "scene", as: Int.self),
                              customerID: try r.decode(column: "customer_id", as: String?.self), code: try r.decode(column: "code", as: String.self),
                              text: try r.decode(column: "text", as: String.self), sentAt: WireTime.utc(try r.decode(column: "sent_at", as: Int64.self)),
                              expiresAt: WireTime.utc(try r.decode(column: "expires_at", as: Int64.self)),
                              used: try r.decode(column: "used_at", as: Int64?.self) != nil)
            }
        }
    }
}
