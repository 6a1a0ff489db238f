import Foundation
import SQLKit

/// ShowRealNameAuthQrCodeResponse.
public struct RealnameQrCodeResponse: Codable, Sendable {
    public var qrCodeURL: String
    enum CodingKeys: String, CodingKey { case qrCodeURL = "qr_code_url" }
}

/// What a face-verification page shows for a ticket.
public enum FaceTicketState: Sendable, Equatable {
    /// Open: whose it is (id and account name), and when it lapses.
    case open(customerID: String, accountName: String, expiresAt: Int64)
    case used, lapsed, unknown
}

/// Face-recognition real-name authentication (ShowRealNameAuthQrCode): the customer asks
/// for a QR code (`qr_code_url`, a PNG at `/realname/face/{ticket}/qr.png`); scanning it
/// opens a page at `/realname/face/{ticket}` where the person
/// confirms their name (standing in for the face check of Huawei's app), and the account
/// becomes personally verified (verified_status 2, verified_type 0).
///
/// Rules: a ticket is single use and lapses ten minutes after it was issued, on the
/// business clock; a new ticket voids the customer's open ones; an account verified or
/// under review gets no ticket (`CBC.99007188`). Writes `realname_face_tickets` and, on
/// completion, the customer's real-name state (`customers`), as the review queue does.
public struct FaceVerificationStore: Sendable {
    public let database: Database
    /// How long a QR code stays valid (Huawei: voided if not scanned within 10 minutes).
    public static let validity: Int64 = 10 * 60_000

    public init(database: Database) { self.database = database }

    /// Issues a fresh ticket for the calling customer; the URL is under `publicURL`.
    public func issue(caller: Principal, publicURL: String) async throws -> RealnameQrCodeResponse {
        let ticket = Identifiers.random("abcdefghijklmnopqrstuvwxyz0123456789", 40)
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            guard let row = try await db.raw("SELECT verified_status FROM customers WHERE id = \(bind: caller.domainID)\(database.backend.forUpdate)").first() else {
                throw Refusal.forbidden
            }
            guard !["0", "2"].contains(try row.decode(column: "verified_status", as: String.self)) else {
                throw Refusal(.alreadyAuthenticated, "The customer has been authenticated or the authentication is being reviewed.")
            }
            try await db.raw("UPDATE realname_face_tickets SET state = 'void' WHERE customer_id = \(bind: caller.domainID) AND state = 'open'").run()
            try await db.raw("""
                INSERT INTO realname_face_tickets (ticket, customer_id, issued_at, expires_at, state, used_at)
                VALUES (\(bind: ticket), \(bind: caller.domainID), \(bind: now), \(bind: now + Self.validity), 'open', NULL)
                """).run()
        }
        return RealnameQrCodeResponse(qrCodeURL: Self.pageURL(ticket: ticket, publicURL: publicURL) + "/qr.png")
    }

    /// The page a ticket's QR code opens (what the code encodes); its image is at `/qr.png` below it.
    public static func pageURL(ticket: String, publicURL: String) -> String {
        (publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL) + "/realname/face/" + ticket
    }

    /// What the ticket's page shows, at the business clock's now.
    public func state(ticket: String) async throws -> FaceTicketState {
        try await database.read { db in try await Self.state(db, ticket: ticket, now: try await BusinessClock.now(db)) }
    }

    static func state(_ db: any SQLDatabase, ticket: String, now: Int64, lock: SQLQueryString = "") async throws -> FaceTicketState {
        guard !ticket.containsNUL, let row = try await db.raw("""
            SELECT t.state, t.expires_at, t.customer_id, a.name FROM realname_face_tickets t JOIN accounts a ON a.id = t.customer_id
            WHERE t.ticket = \(bind: ticket)\(lock)
            """).first() else { return .unknown }
        switch try row.decode(column: "state", as: String.self) {
        case "used": return .used
        case "void": return .lapsed
        default:
            let expires = try row.decode(column: "expires_at", as: Int64.self)
            return now < expires ? .open(customerID: try row.decode(column: "customer_id", as: String.self),
                                         accountName: try row.decode(column: "name", as: String.self), expiresAt: expires) : .lapsed
        }
    }

    /// Completes the check: the person's name (as on their identity card, 2–64 characters)
    /// becomes the account's real name and the account is personally verified. The ticket is
    /// used up; a second try, a lapsed or voided ticket, or an account verified meanwhile
    /// is refused and changes nothing.
    public func complete(ticket: String, name given: String?) async throws {
        let name = (given ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...64).contains(name.count) else { throw Refusal.parameter("name", "must be 2 to 64 characters") }
        guard !name.containsNUL else { throw Refusal.containsNUL("name") }
        let lock = database.backend.forUpdate
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            let customer: String
            switch try await Self.state(db, ticket: ticket, now: now, lock: lock) {
            case .open(let id, _, _): customer = id
            case .used: throw Refusal.parameter("ticket", "has been used; ask for a new QR code")
            case .lapsed: throw Refusal.parameter("ticket", "has lapsed; ask for a new QR code")
            case .unknown: throw Refusal.parameter("ticket", "is not a face-verification ticket")
            }
            let status = try await db.raw("SELECT verified_status FROM customers WHERE id = \(bind: customer)").first()?
                .decode(column: "verified_status", as: String.self)
            guard let status, !["0", "2"].contains(status) else {
                throw Refusal(.alreadyAuthenticated, "The customer has been authenticated or the authentication is being reviewed.")
            }
            try await db.raw("UPDATE realname_face_tickets SET state = 'used', used_at = \(bind: now) WHERE ticket = \(bind: ticket) AND state = 'open'").run()
            try await RealnameStore.applyApproval(db, customerID: customer, kind: .individual, name: name)
        }
    }
}
