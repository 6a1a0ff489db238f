import Foundation
import SQLKit

/// Ledger account types, and the `account_type` Huawei's balance APIs show for them.
public enum LedgerAccountType: String, Sendable, CaseIterable {
    case cash, credit, coupon
    /// One account per coupon quota and per issued coupon, keyed by their own ids.
    case quota, couponValue = "coupon-value", quotaSource = "quota-source"
    /// What customers' usage pays into, and the arrears a customer runs up when nothing
    /// else can pay (the only customer account allowed below zero).
    case revenue, debt
    /// The platform's side of money entering or leaving the partner world (a partner
    /// paying the cloud provider). The only accounts allowed below zero.
    case external, creditSource = "credit-source"

    var prefix: String {
        switch self {
        case .cash: return "CB"
        case .credit: return "CR"
        case .coupon: return "CP"
        case .external: return "PX"
        case .creditSource: return "PC"
        case .quota: return "QT"
        case .couponValue: return "CV"
        case .quotaSource: return "PQ"
        case .revenue: return "PV"
        case .debt: return "DT"
        }
    }

    public var huaweiType: Int {
        switch self {
        case .cash: return 1
        case .credit: return 2
        case .coupon: return 5
        case .external, .creditSource, .quota, .couponValue, .quotaSource, .revenue, .debt: return 0
        }
    }
}

/// Why the ledger refused a transfer.
public enum LedgerError: Error, Equatable {
    case insufficient(account: String)
    case idempotencyConflict(key: String)
    case overflow
}

/// The double-entry core: every balance change is one transfer between two accounts,
/// written with both accounts' new balances in the caller's transaction.
public enum Ledger {
    public static let currency = Money.currency
    static let platformOwner = "platform"

    public static func accountID(owner: String?, type: LedgerAccountType) -> String {
        type.prefix + (owner ?? platformOwner)
    }

    /// The account of a quota or coupon (no owning principal; keyed by the object's id).
    public static func objectAccountID(_ objectID: String, type: LedgerAccountType) -> String {
        type.prefix + objectID
    }

    /// Creates the account when it does not exist yet (concurrent twins are harmless).
    public static func ensure(_ db: any SQLDatabase, owner: String?, type: LedgerAccountType, object: String? = nil) async throws -> String {
        let id = object.map { objectAccountID($0, type: type) } ?? accountID(owner: owner, type: type)
        let allowNegative = (type == .external || type == .creditSource || type == .quotaSource || type == .debt) ? 1 : 0
        try await db.raw("""
            INSERT INTO ledger_accounts (id, owner_id, type, currency, balance, allow_negative, version, created_at)
            VALUES (\(bind: id), \(bind: owner), \(bind: type.rawValue), \(bind: currency), 0, \(bind: allowNegative), 0, \(bind: WireTime.nowMillis()))
            ON CONFLICT (id) DO NOTHING
            """).run()
        return id
    }

    /// A credit grant raises the account's credit limit with the credit it transfers.
    public static func raiseCreditLimit(_ db: any SQLDatabase, _ id: String, by units: Int64) async throws {
        precondition(units > 0, "a credit limit grows by a positive amount")
        try await db.raw("UPDATE ledger_accounts SET credit_limit = credit_limit + \(bind: units) WHERE id = \(bind: id)").run()
    }

    /// Removes an account made for a transfer the ledger then refused (a new coupon's or
    /// child quota's account): nothing was posted to it, so it holds nothing.
    public static func discardUnused(_ db: any SQLDatabase, _ id: String) async throws {
        try await db.raw("DELETE FROM ledger_accounts WHERE id = \(bind: id) AND balance = 0").run()
    }

    public struct Movement: Sendable {
        public var kind: String
        public var from: String
        public var to: String
        public var units: Int64
        public var partnerID: String?
        public var counterpartyID: String?
        public var idempotencyKey: String?
        public var requestHash: String?
        public var requestID: String?
        public var idPrefix: String
        /// The business document the transfer belongs to (an order, a coupon), for the
        /// records that show it as their trade id; nil when the transfer id is its own.
        public var reference: String?

        public init(kind: String, from: String, to: String, units: Int64, partnerID: String? = nil, counterpartyID: String? = nil,
                    idempotencyKey: String? = nil, requestHash: String? = nil, requestID: String? = nil, idPrefix: String, reference: String? = nil) {
            self.kind = kind; self.from = from; self.to = to; self.units = units; self.partnerID = partnerID
            self.counterpartyID = counterpartyID; self.idempotencyKey = idempotencyKey; self.requestHash = requestHash
            self.requestID = requestID; self.idPrefix = idPrefix; self.reference = reference
        }
    }

    public struct Posted: Sendable, Equatable {
        public var id: String
        public var fromBalanceAfter: Int64
        public var toBalanceAfter: Int64
        /// true when an earlier request with the same idempotency key already posted it.
        public var replayed: Bool
    }

    /// Posts one transfer (a replay of an idempotency key answers the first one). Must run
    /// inside `Database.transaction`.
    public static func post(_ db: any SQLDatabase, backend: Database.Backend, _ m: Movement) async throws -> Posted {
        precondition(m.units > 0, "a transfer moves a positive amount")
        precondition(m.from != m.to, "a transfer joins two different accounts")
        if let key = m.idempotencyKey,
           let row = try await db.raw("SELECT id, request_hash, from_balance_after, to_balance_after FROM transfers WHERE idempotency_key = \(bind: key)").first() {
            guard try row.decode(column: "request_hash", as: String?.self) == m.requestHash else { throw LedgerError.idempotencyConflict(key: key) }
            return Posted(id: try row.decode(column: "id", as: String.self),
                          fromBalanceAfter: try row.decode(column: "from_balance_after", as: Int64.self),
                          toBalanceAfter: try row.decode(column: "to_balance_after", as: Int64.self), replayed: true)
        }
        // A batch of one: the same transfer rule as every batch. Both rows are read and
        // locked in id order first, so two transfers over the same pair never deadlock.
        let batch = LedgerBatch(backend: backend, now: try await BusinessClock.now(db))
        try await batch.preload(db, [m.from, m.to])
        let posted = try await batch.post(db, m)
        try await batch.finish(db)
        return posted
    }

    /// The balance, with the row locked until the transaction ends (PostgreSQL), for a
    /// transfer of "everything that is there".
    public static func lockedBalance(_ db: any SQLDatabase, backend: Database.Backend, _ accountID: String) async throws -> Int64 {
        let lock = backend.forUpdate
        return try await db.raw("SELECT balance FROM ledger_accounts WHERE id = \(bind: accountID)\(lock)").first()?.decode(column: "balance", as: Int64.self) ?? 0
    }

    public static func balance(_ db: any SQLDatabase, _ accountID: String) async throws -> Int64 {
        try await db.raw("SELECT balance FROM ledger_accounts WHERE id = \(bind: accountID)").first()?.decode(column: "balance", as: Int64.self) ?? 0
    }
}
