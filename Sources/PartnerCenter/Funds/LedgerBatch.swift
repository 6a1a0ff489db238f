import Foundation
import SQLKit

/// The one place a transfer is applied: many transfers of one transaction (or one,
/// through `Ledger.post`), applied in memory and written together. Each account is read
/// (and, on PostgreSQL, locked) once on first use; every transfer gets its own row with
/// both balances and versions after it; each account's balance and version are written
/// once at `finish`. The books end exactly as posting one by one would leave them, with
/// far fewer statements, which is what a usage import of a million fees needs.
/// Must live inside one `Database.transaction` and be finished before it commits (a batch
/// dropped unfinished is what a rolled-back transaction leaves, and writes nothing).
///
/// Invariants, asserted where the write happens:
/// - a transfer moves a positive amount between two different, existing accounts;
/// - what leaves one side arrives on the other (the two balances' sum is unchanged);
/// - no account without `allow_negative` goes below zero (refused as `insufficient`);
/// - at `finish`, the touched accounts' balances changed by a total of zero, and every
///   posted transfer was written.
final class LedgerBatch {
    private struct Account {
        var balance: Int64
        var version: Int64
        let allowNegative: Bool
        let storedBalance: Int64
        let storedVersion: Int64

        init(_ row: any SQLRow) throws {
            balance = try row.decode(column: "balance", as: Int64.self)
            version = try row.decode(column: "version", as: Int64.self)
            allowNegative = try row.decode(column: "allow_negative", as: Int.self) == 1
            storedBalance = balance
            storedVersion = version
        }
    }
    static let columns = ["id", "kind", "from_account", "to_account", "amount", "currency", "from_balance_after", "to_balance_after", "from_version",
                          "to_version", "partner_id", "counterparty_id", "idempotency_key", "request_hash", "request_id", "created_at", "reference"]
    let backend: Database.Backend
    let now: Int64
    private var accounts: [String: Account] = [:]
    private var rows: BulkInsert
    /// Transfer ids in Huawei's shape: two letters, the UTC time to the second, then a counter
    /// from a random start: distinct within the batch by construction, however many share a second.
    private let stamp: String
    private var sequence = UInt32.random(in: .min ... .max)
    private(set) var posted = 0
    private var finished = false

    init(backend: Database.Backend, now: Int64, chain: WriteChain? = nil) {
        self.backend = backend
        self.now = now
        self.rows = BulkInsert("transfers", chain: chain, columns: Self.columns)
        self.stamp = WireTime.utc(now).filter(\.isNumber)
    }

    private func load(_ db: any SQLDatabase, _ id: String) async throws -> Account {
        if let a = accounts[id] { return a }
        guard let row = try await db.raw("SELECT balance, allow_negative, version FROM ledger_accounts WHERE id = \(bind: id)\(backend.forUpdate)").first() else {
            preconditionFailure("ledger accounts must exist before a transfer")
        }
        let a = try Account(row)
        accounts[id] = a
        return a
    }

    /// Reads and locks these accounts in id order, so two batches over shared accounts
    /// (the platform's revenue account is in every import) queue rather than deadlock.
    func preload(_ db: any SQLDatabase, _ ids: [String]) async throws {
        let wanted = Array(Set(ids.filter { accounts[$0] == nil })).sorted()
        for chunk in wanted.chunked() {
            for row in try await db.raw("""
                SELECT id, balance, allow_negative, version FROM ledger_accounts WHERE id IN (\(binds: chunk)) ORDER BY id\(backend.forUpdate)
                """).all() {
                accounts[try row.decode(column: "id", as: String.self)] = try Account(row)
            }
        }
    }

    /// The balance as this batch has left it.
    func balance(_ db: any SQLDatabase, _ id: String) async throws -> Int64 {
        try await load(db, id).balance
    }

    /// Applies one transfer and queues its row; returns its id.
    @discardableResult
    func post(_ db: any SQLDatabase, kind: String, from: String, to: String, units: Int64, partnerID: String?, counterpartyID: String?,
              idPrefix: String) async throws -> String {
        try await post(db, Ledger.Movement(kind: kind, from: from, to: to, units: units, partnerID: partnerID, counterpartyID: counterpartyID,
                                           idPrefix: idPrefix)).id
    }

    /// Applies one movement (the transfer rule, the only copy of it) and queues its row.
    func post(_ db: any SQLDatabase, _ m: Ledger.Movement) async throws -> Ledger.Posted {
        precondition(!finished, "a finished ledger batch takes no more transfers")
        precondition(m.units > 0, "a transfer moves a positive amount")
        precondition(m.from != m.to, "a transfer joins two different accounts")
        var a = try await load(db, m.from)
        var b = try await load(db, m.to)
        let (fromAfter, o1) = a.balance.subtractingReportingOverflow(m.units)
        let (toAfter, o2) = b.balance.addingReportingOverflow(m.units)
        guard !o1, !o2 else { throw LedgerError.overflow }
        if !a.allowNegative && fromAfter < 0 { throw LedgerError.insufficient(account: m.from) }
        assert(fromAfter &+ toAfter == a.balance &+ b.balance, "what leaves one side arrives on the other")
        a.balance = fromAfter; a.version += 1
        b.balance = toAfter; b.version += 1
        assert(a.allowNegative || a.balance >= 0, "a balance never passes its floor")
        accounts[m.from] = a
        accounts[m.to] = b
        sequence &+= 1
        let id = m.idPrefix + stamp + Self.hex(UInt64(sequence), width: 8)
        try await rows.add(db, [.text(id), .text(m.kind), .text(m.from), .text(m.to), .int(m.units), .text(Ledger.currency), .int(fromAfter), .int(toAfter),
                                .int(a.version), .int(b.version), .text(m.partnerID), .text(m.counterpartyID), .text(m.idempotencyKey),
                                .text(m.requestHash), .text(m.requestID), .int(now), .text(m.reference)])
        posted += 1
        return Ledger.Posted(id: id, fromBalanceAfter: fromAfter, toBalanceAfter: toAfter, replayed: false)
    }

    /// Writes the queued transfers and each touched account's balance and version.
    func finish(_ db: any SQLDatabase) async throws {
        precondition(!finished, "a ledger batch is finished once")
        finished = true
        try await rows.flush(db)
        assert(rows.written == posted, "every posted transfer was written")
        assert(accounts.values.reduce(Int64(0)) { $0 &+ ($1.balance &- $1.storedBalance) } == 0, "the batch's transfers sum to zero")
        for (id, a) in accounts.sorted(by: { $0.key < $1.key }) where a.version != a.storedVersion {
            try await db.raw("UPDATE ledger_accounts SET balance = \(bind: a.balance), version = \(bind: a.version) WHERE id = \(bind: id)").run()
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)
    /// The low `width` hex digits of `v`, zero-padded.
    static func hex(_ v: UInt64, width: Int) -> String {
        var out = [UInt8](repeating: 0, count: width)
        for i in 0..<width { out[i] = digits[Int((v >> UInt64(4 * (width - 1 - i))) & 0xF)] }
        return String(decoding: out, as: UTF8.self)
    }
}
