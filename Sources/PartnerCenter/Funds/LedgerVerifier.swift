import Foundation
import SQLKit

/// `admin ledger verify`: proves the books balance. Each account's cached balance equals
/// Σ in − Σ out of its transfers; its lines, replayed in order, reach that balance with no
/// gap; no account that may not overdraw ever went below zero; Σ of all balances is 0.
public struct LedgerReport: Codable, Sendable {
    public var accounts: Int
    public var transfers: Int
    public var total: String
    public var problems: [String]
    public var ok: Bool { problems.isEmpty }

    enum CodingKeys: String, CodingKey { case accounts, transfers, total, problems, ok }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(accounts, forKey: .accounts)
        try c.encode(transfers, forKey: .transfers)
        try c.encode(total, forKey: .total)
        try c.encode(problems, forKey: .problems)
        try c.encode(ok, forKey: .ok)
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        accounts = try c.decode(Int.self, forKey: .accounts)
        transfers = try c.decode(Int.self, forKey: .transfers)
        total = try c.decode(String.self, forKey: .total)
        problems = try c.decode([String].self, forKey: .problems)
    }
    init(accounts: Int, transfers: Int, total: String, problems: [String]) {
        self.accounts = accounts; self.transfers = transfers; self.total = total; self.problems = problems
    }
}

public enum LedgerVerifier {
    /// Fee records and packages: each fee's amounts and payment split add up, each usage
    /// record was rated once, and each package item's remaining = total − Σ its deductions.
    static func billingProblems(_ db: any SQLDatabase) async throws -> [String] {
        var out: [String] = []
        let badSplits = try await db.raw("""
            SELECT id FROM fee_records WHERE official <> discount + truncated + consume OR consume <> cash + credit + coupon + debt
            """).all()
        for r in badSplits.prefix(20) { out.append("fee record \(try r.decode(column: "id", as: String.self)): its amounts or payment split do not add up") }
        let doubled = try await db.raw("SELECT record_id FROM fee_records WHERE record_id IS NOT NULL GROUP BY record_id HAVING COUNT(*) > 1").all()
        for r in doubled.prefix(20) { out.append("usage record \(try r.decode(column: "record_id", as: String.self)) was rated more than once") }
        let sums = try await db.raw("""
            SELECT (SELECT CAST(COALESCE(SUM(consume), 0) AS BIGINT) FROM fee_records) AS fees, (SELECT CAST(COALESCE(SUM(consume), 0) AS BIGINT) FROM bill_day_sums) AS days,
                   (SELECT CAST(COALESCE(SUM(consume), 0) AS BIGINT) FROM bill_month_sums) AS months,
                   (SELECT COUNT(*) FROM fee_records) AS n_fees, (SELECT CAST(COALESCE(SUM(fees), 0) AS BIGINT) FROM bill_month_sums) AS n_months,
                   (SELECT CAST(COALESCE(SUM(official), 0) AS BIGINT) FROM fee_records) AS fees_official, (SELECT CAST(COALESCE(SUM(official), 0) AS BIGINT) FROM bill_day_sums) AS days_official
            """).first()!
        if try sums.decode(column: "fees", as: Int64.self) != sums.decode(column: "days", as: Int64.self)
            || sums.decode(column: "fees", as: Int64.self) != sums.decode(column: "months", as: Int64.self)
            || Int64(sums.decode(column: "n_fees", as: Int.self)) != sums.decode(column: "n_months", as: Int64.self)
            || sums.decode(column: "fees_official", as: Int64.self) != sums.decode(column: "days_official", as: Int64.self) {
            out.append("the daily bill sums do not add up to the fee records")
        }
        let unmarked = try await db.raw("SELECT COUNT(*) AS n FROM fee_records WHERE record_id IS NOT NULL AND content_hash IS NULL").first()!.decode(column: "n", as: Int.self)
        if unmarked > 0 { out.append("\(unmarked) fee records of usage records lack the usage record's content hash") }
        // Quantities are decimal text: compare in Decimal, item by item.
        let items = try await db.raw("SELECT free_resource_id, total, remaining FROM package_items").all()
        for item in items {
            let id = try item.decode(column: "free_resource_id", as: String.self)
            let used = try await db.raw("SELECT used FROM package_deductions WHERE free_resource_id = \(bind: id)").all()
                .reduce(Decimal(0)) { $0 + (Money.parse(try $1.decode(column: "used", as: String.self)) ?? 0) }
            let total = Money.parse(try item.decode(column: "total", as: String.self)) ?? 0
            let remaining = Money.parse(try item.decode(column: "remaining", as: String.self)) ?? 0
            if total - used != remaining || remaining < 0 {
                out.append("package item \(id): remaining \(Money.format(remaining)) but total \(Money.format(total)) − used \(Money.format(used))")
            }
        }
        return out
    }

    public static func verify(_ database: Database, maxProblems: Int = 100) async throws -> LedgerReport {
        // One read transaction: a consistent snapshot even while the server keeps writing.
        // PostgreSQL's default (read committed) takes a new snapshot per statement, so an
        // account read before a concurrent transfer committed and its lines read after it
        // would look broken: the verifier asks for one snapshot for the whole check.
        let backend = database.backend
        return try await database.transaction { db in
            if backend == .postgres { try await db.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").run() }
            var problems: [String] = []
            func problem(_ s: String) { if problems.count < maxProblems { problems.append(s) } }
            let accounts = try await db.raw("""
                SELECT a.id, a.balance, a.allow_negative, a.version,
                       CAST(COALESCE((SELECT SUM(t.amount) FROM transfers t WHERE t.to_account = a.id), 0) AS BIGINT) AS incoming,
                       CAST(COALESCE((SELECT SUM(t.amount) FROM transfers t WHERE t.from_account = a.id), 0) AS BIGINT) AS outgoing
                FROM ledger_accounts a ORDER BY a.id
                """).all()
            var total: Int64 = 0
            for a in accounts {
                let id = try a.decode(column: "id", as: String.self)
                let balance = try a.decode(column: "balance", as: Int64.self)
                let allowNegative = try a.decode(column: "allow_negative", as: Int.self) == 1
                let version = try a.decode(column: "version", as: Int64.self)
                let derived = try a.decode(column: "incoming", as: Int64.self) - a.decode(column: "outgoing", as: Int64.self)
                total += balance
                if derived != balance { problem("account \(id): balance \(Units.text(balance)) but its transfers sum to \(Units.text(derived))") }
                if !allowNegative && balance < 0 { problem("account \(id): balance \(Units.text(balance)) is below zero") }
                // Replay the account's lines in order.
                let lines = try await db.raw("""
                    SELECT id, amount, CASE WHEN from_account = \(bind: id) THEN -1 ELSE 1 END AS sign,
                           CASE WHEN from_account = \(bind: id) THEN from_version ELSE to_version END AS line,
                           CASE WHEN from_account = \(bind: id) THEN from_balance_after ELSE to_balance_after END AS after
                    FROM transfers WHERE from_account = \(bind: id) OR to_account = \(bind: id) ORDER BY line
                    """).all()
                var running: Int64 = 0
                var expectedLine: Int64 = 1
                for l in lines {
                    let line = try l.decode(column: "line", as: Int64.self)
                    let tid = try l.decode(column: "id", as: String.self)
                    if line != expectedLine { problem("account \(id): line \(expectedLine) missing before transfer \(tid)") ; expectedLine = line }
                    running += Int64(try l.decode(column: "sign", as: Int.self)) * (try l.decode(column: "amount", as: Int64.self))
                    let after = try l.decode(column: "after", as: Int64.self)
                    if after != running { problem("account \(id): transfer \(tid) records balance \(Units.text(after)), replay gives \(Units.text(running))") ; running = after }
                    if !allowNegative && after < 0 { problem("account \(id): transfer \(tid) left the balance below zero") }
                    expectedLine += 1
                }
                if Int64(lines.count) != version { problem("account \(id): version \(version) but \(lines.count) lines") }
            }
            if total != 0 { problem("the balances of all accounts sum to \(Units.text(total)), not 0") }
            let count = try await db.raw("SELECT COUNT(*) AS n FROM transfers").first()!.decode(column: "n", as: Int.self)
            let orphans = try await db.raw("""
                SELECT COUNT(*) AS n FROM transfers t
                WHERE t.kind IN ('BEADJUST', 'BERETRIEVE', 'BEUNBIND')
                  AND (t.partner_id IS NULL OR t.counterparty_id IS NULL
                       OR NOT EXISTS (SELECT 1 FROM accounts p WHERE p.id = t.partner_id)
                       OR NOT EXISTS (SELECT 1 FROM accounts c WHERE c.id = t.counterparty_id))
                """).first()!.decode(column: "n", as: Int.self)
            if orphans > 0 { problem("\(orphans) adjustment transfers lack their partner or customer") }
            for p in try await billingProblems(db) { problem(p) }
            return LedgerReport(accounts: accounts.count, transfers: count, total: Units.text(total), problems: problems)
        }
    }
}
