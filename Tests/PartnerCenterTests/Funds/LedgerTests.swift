import Foundation
import SQLKit
import Testing
@testable import PartnerCenter

/// The ledger's one transfer rule, on a real SQLite file and a real PostgreSQL server:
/// a batch leaves the books exactly as the same transfers posted one by one, no balance
/// passes its floor, and an idempotency key answers its first transfer.
struct LedgerTests {
    static func partner(_ p: Platform, _ label: String) async throws -> String {
        try await p.accounts.createPartner(name: "\(label)\(UInt32.random(in: 0...UInt32.max))", kind: .solutionProvider, parentID: nil, password: nil).0.domainID
    }

    /// A new partner's cash account, and the platform's external account (which may go negative).
    static func cashAndExternal(_ p: Platform, _ label: String) async throws -> (cash: String, external: String) {
        let owner = try await partner(p, label)
        return try await p.database.transaction { db in
            (try await Ledger.ensure(db, owner: owner, type: .cash), try await Ledger.ensure(db, owner: nil, type: .external))
        }
    }

    struct Book { var balances: [Int64]; var versions: [Int64]; var afters: [[Int64]] }

    /// The accounts' balances and versions, and each transfer's balances after it, in order.
    static func book(_ p: Platform, _ ids: [String], transfers: [String]) async throws -> Book {
        try await p.database.read { db in
            var balances: [Int64] = [], versions: [Int64] = []
            for id in ids {
                let r = try #require(try await db.raw("SELECT balance, version FROM ledger_accounts WHERE id = \(bind: id)").first())
                balances.append(try r.decode(column: "balance", as: Int64.self))
                versions.append(try r.decode(column: "version", as: Int64.self))
            }
            var afters: [[Int64]] = []
            for t in transfers {
                let r = try #require(try await db.raw("SELECT from_balance_after, to_balance_after, amount FROM transfers WHERE id = \(bind: t)").first())
                afters.append([try r.decode(column: "from_balance_after", as: Int64.self), try r.decode(column: "to_balance_after", as: Int64.self),
                               try r.decode(column: "amount", as: Int64.self)])
            }
            return Book(balances: balances, versions: versions, afters: afters)
        }
    }

    /// Two identical sets of accounts (the platform's external account, then four cash
    /// accounts); the same random transfers go to one set one by one and to the other in one batch.
    @Test(arguments: StorageTests.backends()) func aBatchLeavesTheBooksAsTransfersOneByOne(url: String) async throws {
        let p = try await StorageTests.platform(url)
        defer { Task { await p.close() } }
        var sets: [[String]] = []
        for label in ["single", "batch"] {
            var ids: [String] = []
            for i in 0..<4 {
                let owner = try await Self.partner(p, "\(label)\(i)")
                ids.append(try await p.database.transaction { db in try await Ledger.ensure(db, owner: owner, type: .cash) })
            }
            sets.append(ids)
        }
        let external = try await p.database.transaction { db in try await Ledger.ensure(db, owner: nil, type: .external) }
        let accounts = sets
        var rng = SystemRandomNumberGenerator()
        for round in 0..<3 {
            // Moves among (external, a, b, c, d): index 0 is external, which may go negative.
            let moves: [(Int, Int, Int64)] = (0..<40).map { _ in
                let from = Int.random(in: 0...4, using: &rng)
                var to = Int.random(in: 0...4, using: &rng)
                if to == from { to = (to + 1) % 5 }
                return (from, to, Int64.random(in: 1...5_000_000_000, using: &rng))
            }
            @Sendable func account(_ set: Int, _ i: Int) -> String { i == 0 ? external : accounts[set][i - 1] }
            let backend = p.database.backend

            var singleIDs: [String] = [], singleRefused: [Int] = []
            for (n, m) in moves.enumerated() {
                do {
                    let posted = try await p.database.transaction { db in
                        try await Ledger.post(db, backend: backend, .init(kind: "TEST", from: account(0, m.0), to: account(0, m.1), units: m.2, idPrefix: "TS"))
                    }
                    singleIDs.append(posted.id)
                } catch LedgerError.insufficient {
                    singleRefused.append(n)
                }
            }
            let planned = moves
            let (batchIDs, batchRefused) = try await p.database.transaction { db -> ([String], [Int]) in
                let batch = LedgerBatch(backend: backend, now: try await BusinessClock.now(db))
                try await batch.preload(db, accounts[1] + [external])
                var ids: [String] = [], refused: [Int] = []
                for (n, m) in planned.enumerated() {
                    do {
                        ids.append(try await batch.post(db, kind: "TEST", from: account(1, m.0), to: account(1, m.1), units: m.2, partnerID: nil,
                                                        counterpartyID: nil, idPrefix: "TB"))
                    } catch LedgerError.insufficient {
                        refused.append(n)
                    }
                }
                try await batch.finish(db)
                return (ids, refused)
            }
            #expect(singleRefused == batchRefused, "round \(round): the same transfers are refused")
            let single = try await Self.book(p, sets[0], transfers: singleIDs)
            let batched = try await Self.book(p, sets[1], transfers: batchIDs)
            #expect(single.balances == batched.balances, "round \(round)")
            #expect(single.versions == batched.versions, "round \(round)")
            #expect(single.afters.map { [$0[2]] } == batched.afters.map { [$0[2]] })
            #expect(single.balances.allSatisfy { $0 >= 0 }, "cash never passes its floor")
        }
        // The books verify: every line replays, every account agrees with its lines. (On the
        // SQLite file this test has to itself; the PostgreSQL database is shared with other tests.)
        if url.hasPrefix("sqlite:") {
            let report = try await LedgerVerifier.verify(p.database)
            #expect(report.ok, "\(report)")
        }
    }

    @Test(arguments: StorageTests.backends()) func aTransferNeverPassesTheFloorAndARefusalWritesNothing(url: String) async throws {
        let p = try await StorageTests.platform(url)
        defer { Task { await p.close() } }
        let backend = p.database.backend
        let (cash, external) = try await Self.cashAndExternal(p, "floor")
        let funded = try await p.database.transaction { db in
            try await Ledger.post(db, backend: backend, .init(kind: "TEST", from: external, to: cash, units: 100, idPrefix: "TS"))
        }
        #expect(funded.toBalanceAfter == 100)
        await #expect(throws: LedgerError.insufficient(account: cash)) {
            _ = try await p.database.transaction { db in
                try await Ledger.post(db, backend: backend, .init(kind: "TEST", from: cash, to: external, units: 101, idPrefix: "TS"))
            }
        }
        let after = try await Self.book(p, [cash], transfers: [])
        #expect(after.balances == [100] && after.versions == [1])
        // Exactly everything may leave; then nothing more.
        _ = try await p.database.transaction { db in
            try await Ledger.post(db, backend: backend, .init(kind: "TEST", from: cash, to: external, units: 100, idPrefix: "TS"))
        }
        #expect(try await Self.book(p, [cash], transfers: []).balances == [0])
        await #expect(throws: LedgerError.insufficient(account: cash)) {
            _ = try await p.database.transaction { db in
                try await Ledger.post(db, backend: backend, .init(kind: "TEST", from: cash, to: external, units: 1, idPrefix: "TS"))
            }
        }
    }

    @Test(arguments: StorageTests.backends()) func anIdempotencyKeyAnswersItsFirstTransfer(url: String) async throws {
        let p = try await StorageTests.platform(url)
        defer { Task { await p.close() } }
        let backend = p.database.backend
        let (cash, external) = try await Self.cashAndExternal(p, "idem")
        let key = "k-\(UUID().uuidString)"
        func post(_ hash: String) async throws -> Ledger.Posted {
            try await p.database.transaction { db in
                try await Ledger.post(db, backend: backend, .init(kind: "TEST", from: external, to: cash, units: 7, idempotencyKey: key,
                                                                  requestHash: hash, idPrefix: "TS"))
            }
        }
        let first = try await post("h1")
        let again = try await post("h1")
        #expect(!first.replayed && again.replayed)
        #expect(again.id == first.id && again.toBalanceAfter == first.toBalanceAfter)
        await #expect(throws: LedgerError.idempotencyConflict(key: key)) { _ = try await post("h2") }
        #expect(try await Self.book(p, [cash], transfers: [first.id]).balances == [7])
    }

    /// `ledger verify` on a live deployment: transfers keep committing while it reads, and it
    /// must still see one consistent snapshot (no account whose version and lines disagree).
    @Test(arguments: StorageTests.backends()) func verifyingWhileTransfersCommitFindsNoProblem(url: String) async throws {
        let p = try await StorageTests.platform(url)
        defer { Task { await p.close() } }
        let (cash, external) = try await Self.cashAndExternal(p, "live")
        let backend = p.database.backend
        try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask {
                for _ in 0..<150 {
                    _ = try await p.database.transaction { db in
                        try await Ledger.post(db, backend: backend, .init(kind: "TEST", from: external, to: cash, units: 1_000, idPrefix: "TS"))
                    }
                }
                return []
            }
            group.addTask {
                var problems: [String] = []
                for _ in 0..<15 { problems += try await LedgerVerifier.verify(p.database).problems }
                return problems
            }
            for try await problems in group { #expect(problems.isEmpty, "\(problems)") }
        }
    }
}
