import Foundation
import SQLKit

/// Many transfers of one transaction, applied in memory and written together: each
/// account is read (and, on PostgreSQL, locked) once on first use; every transfer still
/// gets its own row with both balances and line numbers after it, exactly as
/// `Ledger.post` writes them; each account's balance and version are written once at
/// `finish`. The books end the same as posting one by one, with far fewer statements,
/// which is what a usage import of a million fees needs.
/// Must live inside one `Database.transaction` and be finished before it commits (a batch
/// dropped unfinished is what a rolled-back transaction leaves, and writes nothing).
final class LedgerBatch {
    private struct Account {
        var balance: Int64
        var version: Int64
        let allowNegative: Bool
        let storedVersion: Int64
    }
    let backend: Database.Backend
    let now: Int64
    private var accounts: [String: Account] = [:]
    private var rows: BulkInsert
    /// Transfer ids are `Ledger.transferID`'s shape with a counter in place of the random
    /// tail: distinct within the batch by construction, however many share a second.
    private let stamp: String
    private var sequence = UInt32.random(in: .min ... .max)
    private(set) var posted = 0
    private var finished = false

    init(backend: Database.Backend, now: Int64, chain: WriteChain? = nil) {
        self.backend = backend
        self.now = now
        self.rows = BulkInsert("transfers", chain: chain, columns: ["id", "kind", "from_account", "to_account", "amount", "currency", "from_balance_after",
                                                                    "to_balance_after", "from_version", "to_version", "partner_id", "counterparty_id", "created_at"])
        self.stamp = WireTime.utc(now).filter(\.isNumber)
    }

    private func load(_ db: any SQLDatabase, _ id: String) async throws -> Account {
        if let a = accounts[id] { return a }
        guard let row = try await db.raw("SELECT balance, allow_negative, version FROM ledger_accounts WHERE id = \(bind: id)\(backend.forUpdate)").first() else {
            preconditionFailure("ledger accounts must exist before a transfer")
        }
        let a = Account(balance: try row.decode(column: "balance", as: Int64.self), version: try row.decode(column: "version", as: Int64.self),
                        allowNegative: try row.decode(column: "allow_negative", as: Int.self) == 1,
                        storedVersion: try row.decode(column: "version", as: Int64.self))
        accounts[id] = a
        return a
    }

    /// Reads and locks these accounts in id order, so two batches over shared accounts
    /// (the platform's revenue account is in every import) queue rather than deadlock.
    func preload(_ db: any SQLDatabase, _ ids: [String]) async throws {
        let wanted = Array(Set(ids.filter { accounts[$0] == nil })).sorted()
        for start in stride(from: 0, to: wanted.count, by: 500) {
            let chunk = Array(wanted[start..<min(start + 500, wanted.count)])
            for row in try await db.raw("""
                SELECT id, balance, allow_negative, version FROM ledger_accounts WHERE id IN (\(binds: chunk)) ORDER BY id\(backend.forUpdate)
                """).all() {
                let version = try row.decode(column: "version", as: Int64.self)
                accounts[try row.decode(column: "id", as: String.self)] = Account(balance: try row.decode(column: "balance", as: Int64.self), version: version,
                                                                                 allowNegative: try row.decode(column: "allow_negative", as: Int.self) == 1,
                                                                                 storedVersion: version)
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
        precondition(!finished, "a finished ledger batch takes no more transfers")
        precondition(units > 0, "a transfer moves a positive amount")
        precondition(from != to, "a transfer joins two different accounts")
        var a = try await load(db, from)
        var b = try await load(db, to)
        let (fromAfter, o1) = a.balance.subtractingReportingOverflow(units)
        let (toAfter, o2) = b.balance.addingReportingOverflow(units)
        guard !o1, !o2 else { throw LedgerError.overflow }
        if !a.allowNegative && fromAfter < 0 { throw LedgerError.insufficient(account: from) }
        a.balance = fromAfter; a.version += 1
        b.balance = toAfter; b.version += 1
        accounts[from] = a
        accounts[to] = b
        sequence &+= 1
        let id = idPrefix + stamp + Self.hex(UInt64(sequence), width: 8)
        try await rows.add(db, [.text(id), .text(kind), .text(from), .text(to), .int(units), .text(Ledger.currency), .int(fromAfter), .int(toAfter),
                                .int(a.version), .int(b.version), .text(partnerID), .text(counterpartyID), .int(now)])
        posted += 1
        return id
    }

    /// Writes the queued transfers and each touched account's balance and version.
    func finish(_ db: any SQLDatabase) async throws {
        precondition(!finished, "a ledger batch is finished once")
        finished = true
        try await rows.flush(db)
        assert(rows.written == posted, "every posted transfer was written")
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
