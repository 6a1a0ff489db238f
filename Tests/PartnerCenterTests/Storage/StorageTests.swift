import Foundation
import Logging
import Testing
@testable import PartnerCenter

/// The real stores against a real SQLite file (and PostgreSQL when PC_TEST_POSTGRES_URL is set).
struct StorageTests {
    static func backends() -> [String] {
        var urls = ["sqlite:" + NSTemporaryDirectory() + "pc-store-\(UUID().uuidString).sqlite"]
        if let pg = ProcessInfo.processInfo.environment["PC_TEST_POSTGRES_URL"], !pg.isEmpty { urls.append(pg) }
        return urls
    }

    static let key = try! MasterKey(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

    static func platform(_ url: String) async throws -> Platform {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await Platform.open(databaseURL: url, masterKeyFile: nil, masterKey: key, logger: logger)
    }

    @Test(arguments: backends()) func migrationsAreIdempotent(url: String) async throws {
        let p = try await Self.platform(url)
        let again = try await Migrations.run(on: p.database)
        #expect(again.isEmpty)
        await p.close()
    }

    @Test(arguments: backends()) func secretsAreSealedAtRest(url: String) async throws {
        let p = try await Self.platform(url)
        let name = "seal\(UInt32.random(in: 0...UInt32.max))"
        let (account, keys) = try await p.accounts.createPartner(name: name, kind: .distributor, parentID: nil, password: nil)
        let stored = try await p.database.read { db in
            try await db.raw("SELECT secret_sealed FROM access_keys WHERE access_key = \(bind: keys.accessKey)").first()!.decode(column: "secret_sealed", as: String.self)
        }
        #expect(!stored.contains(keys.secretKey))
        let owner = try #require(try await p.accounts.keyOwner(keys.accessKey))
        #expect(owner.secret == keys.secretKey)
        #expect(owner.0.domainID == account.domainID)
        #expect(try await p.accounts.revokeKey(keys.accessKey))
        #expect(try await p.accounts.keyOwner(keys.accessKey) == nil)
        await p.close()
    }

    /// Quota ids are the second plus four random digits; many quotas in one second must
    /// still each get their own id, never a duplicate-key failure.
    @Test(arguments: backends()) func quotasMadeInOneSecondGetDistinctIDs(url: String) async throws {
        let p = try await Self.platform(url)
        let (partner, _) = try await p.accounts.createPartner(name: "quota\(UInt32.random(in: 0...UInt32.max))", kind: .distributor, parentID: nil, password: nil)
        var ids: Set<String> = []
        for _ in 0..<200 {
            let q = try await p.coupons.grantQuota(partnerID: partner.domainID, amount: 1, effective: nil, expires: WireTime.nowMillis() + 86_400_000,
                                                   quotaType: 0, serviceTypes: [])
            ids.insert(q.quotaID)
        }
        #expect(ids.count == 200)
        #expect(ids.allSatisfy { $0.count == 18 && $0.allSatisfy(\.isNumber) })
        // A drawn id that is taken is drawn again.
        let taken = try #require(ids.first)
        let picked = try await p.database.transaction { db in
            var draws = [taken, "fresh-id"]
            return try await CouponStore.unused(db, table: "coupon_quotas") { draws.removeFirst() }
        }
        #expect(picked == "fresh-id")
        await p.close()
    }

    @Test(arguments: backends()) func failedTransactionWritesNothing(url: String) async throws {
        let p = try await Self.platform(url)
        let name = "rollback\(UInt32.random(in: 0...UInt32.max))"
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await p.database.transaction { db in
                try await db.raw("INSERT INTO settings (key, value) VALUES (\(bind: name), 'x')").run()
                throw Boom()
            }
        }
        let row = try await p.database.read { try await $0.raw("SELECT value FROM settings WHERE key = \(bind: name)").first() }
        #expect(row == nil)
        await p.close()
    }

    @Test(arguments: backends()) func concurrentCreatesOfOneNameMakeOneCustomer(url: String) async throws {
        let p = try await Self.platform(url)
        let suffix = UInt32.random(in: 0...UInt32.max)
        let (partner, _) = try await p.accounts.createPartner(name: "race\(suffix)", kind: .solutionProvider, parentID: nil, password: nil)
        let caller = Principal(domainID: partner.domainID, domainName: partner.domainName, kind: .solutionProvider, parentID: nil, via: "test")
        let results = await withTaskGroup(of: String.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do {
                        _ = try await p.customers.create(caller: caller, try NewCustomer(CreateCustomerRequest(
                            domainName: "racecust\(suffix)", xaccountID: "x\(i)", xaccountType: partner.xaccountType)))
                        return "ok"
                    } catch let r as Refusal { return r.rule.wire.code } catch { return "other: \(error)" }
                }
            }
            var all: [String] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.filter { $0 == "ok" }.count == 1)
        #expect(results.filter { $0 == "CBC.99000038" }.count == 7)
        await p.close()
    }

    @Test(arguments: backends()) func wrongMasterKeyIsRefused(url: String) async throws {
        let p = try await Self.platform(url)
        await p.close()
        let other = try MasterKey(base64: MasterKey.generateBase64())
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        await #expect(throws: ConfigError.self) { _ = try await Platform.open(databaseURL: url, masterKeyFile: nil, masterKey: other, logger: logger) }
    }
}
