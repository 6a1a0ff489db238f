import Foundation
import SQLKit
import Testing
@testable import PartnerCenter

/// Huawei's deduction order, on a real SQLite file and a real PostgreSQL server: an amount due
/// is paid by the customer's usable cash coupons for the service, soonest to expire first,
/// then by cash, and the rest becomes arrears. Random coupons, cash and dues are paid through
/// `Payments` and compared with a plain model of that order: every split, every balance
/// after, and which coupons end used up.
struct PaymentsTests {
    static let services = ["hws.service.type.ec2", "hws.service.type.ebs", "hws.service.type.obs"]

    struct ModelCoupon { let id: String; let account: String; let expires: Int64; let services: Set<String>?; var balance: Int64 }

    /// A solution provider with a customer, `cash` yuan granted to the customer, and coupons
    /// issued to it from a fresh quota (face value, days to expiry, service limit).
    static func customer(_ p: Platform, cash: Decimal, coupons: [(Decimal, Int, String?)]) async throws
        -> (partner: String, customer: String, coupons: [ModelCoupon]) {
        let (account, _) = try await p.accounts.createPartner(name: "pay\(UInt32.random(in: 0...UInt32.max))", kind: .solutionProvider, parentID: nil, password: nil)
        let partner = Principal(domainID: account.domainID, domainName: account.domainName, kind: .solutionProvider, parentID: nil, via: "test")
        let made = try await p.customers.create(caller: partner, try NewCustomer(CreateCustomerRequest(
            domainName: "paycust\(UInt32.random(in: 0...UInt32.max))", xaccountID: UUID().uuidString, xaccountType: account.xaccountType, password: nil)))
        _ = try await p.funds.fund(partnerID: account.domainID, amount: 100_000, account: .cash)
        if cash > 0 {
            _ = try await p.funds.withCustomer(.grant, caller: partner, try CustomerTransfer(CustomerAmountRequest(customerID: made.domainID, amount: cash)),
                                               idempotency: nil, requestID: "test")
        }
        let now = try await p.database.businessNow()
        let quota = try await p.coupons.grantQuota(partnerID: account.domainID, amount: 100_000, effective: nil,
                                                   expires: now + 400 * 86_400_000, quotaType: 0, serviceTypes: [])
        var issued: [ModelCoupon] = []
        for (face, days, service) in coupons {
            let expires = now + Int64(days) * 86_400_000
            let resp = try await p.coupons.createCoupons(caller: partner, try NewCoupons(CreatePartnerCouponsRequest(
                quotaID: quota.quotaID, customerIDs: [made.domainID], faceValue: face, expireTime: WireTime.utc(expires),
                cloudServiceTypes: service.map { [$0] })))
            let couponID = try #require(resp.couponInfos.first?.couponID, "\(resp.errorDetails)")
            let row = try await p.database.read { db in
                try #require(try await db.raw("SELECT ledger_account, expires_at FROM coupons WHERE id = \(bind: couponID)").first())
            }
            issued.append(ModelCoupon(id: couponID, account: try row.decode(column: "ledger_account", as: String.self),
                                      expires: try row.decode(column: "expires_at", as: Int64.self),
                                      services: service.map { [$0] }, balance: try Units.from(face)))
        }
        return (account.domainID, made.domainID, issued)
    }

    /// The order, written plainly: coupons that may pay for the service in (expiry, id)
    /// order, then cash, then arrears.
    static func modelPay(_ coupons: inout [ModelCoupon], cash: inout Int64, service: String, amount: Int64) -> (Int64, Int64, Int64) {
        var remaining = amount, fromCoupons: Int64 = 0
        for i in coupons.indices.sorted(by: { (coupons[$0].expires, coupons[$0].id) < (coupons[$1].expires, coupons[$1].id) }) {
            guard remaining > 0, coupons[i].services.map({ $0.contains(service) }) ?? true else { continue }
            let take = min(remaining, coupons[i].balance)
            coupons[i].balance -= take
            fromCoupons += take
            remaining -= take
        }
        let fromCash = min(remaining, max(cash, 0))
        cash -= fromCash
        return (fromCoupons, fromCash, remaining - fromCash)
    }

    @Test(arguments: StorageTests.backends()) func duesArePaidByCouponsForTheServiceThenCashThenArrears(url: String) async throws {
        let p = try await StorageTests.platform(url)
        defer { Task { await p.close() } }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            let cash = Decimal(Int.random(in: 0...3_000, using: &rng)) / 100
            let specs: [(Decimal, Int, String?)] = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                (Decimal(Int.random(in: 1...2_000, using: &rng)) / 100, Int.random(in: 1...300, using: &rng),
                 Bool.random(using: &rng) ? nil : Self.services[Int.random(in: 0..<2, using: &rng)])
            }
            let (partner, customer, issued) = try await Self.customer(p, cash: cash, coupons: specs)
            let dues: [(String, Int64)] = (0..<8).map { _ in
                (Self.services.randomElement(using: &rng)!, Int64.random(in: 0...1_500_000_000, using: &rng))
            }

            var modelCoupons = issued, modelCash = try Units.from(cash)
            let expected = dues.map { Self.modelPay(&modelCoupons, cash: &modelCash, service: $0.0, amount: $0.1) }

            let now = try await p.database.businessNow()
            let backend = p.database.backend
            let splits = try await p.database.transaction { db in
                let payments = Payments(backend: backend, now: now)
                try await payments.prepare(db, customers: [customer])
                var out: [(Int64, Int64, Int64)] = []
                for (service, amount) in dues {
                    out.append(try await payments.pay(db, customerID: customer, partner: partner, service: service, amount: amount))
                }
                try await payments.finish(db)
                return out.map { [$0.0, $0.1, $0.2] }
            }
            #expect(splits == expected.map { [$0.0, $0.1, $0.2] }, "dues \(dues), coupons \(specs), cash \(cash)")

            // The books after: coupon balances, cash, arrears, and which coupons are used up.
            let debt = expected.reduce(Int64(0)) { $0 + $1.2 }
            let (couponsAfter, cashAfter) = (modelCoupons, modelCash)
            try await p.database.read { db in
                for c in couponsAfter {
                    #expect(try await Ledger.balance(db, c.account) == c.balance, "coupon \(c.id)")
                    let status = try #require(try await db.raw("SELECT status FROM coupons WHERE id = \(bind: c.id)").first()).decode(column: "status", as: Int.self)
                    #expect(status == (c.balance == 0 ? 3 : 2), "coupon \(c.id) with \(c.balance) left")
                }
                #expect(try await Ledger.balance(db, Ledger.accountID(owner: customer, type: .cash)) == cashAfter)
                #expect(try await Ledger.balance(db, Ledger.accountID(owner: customer, type: .debt)) == -debt)
            }
        }
        let verdict = try await LedgerVerifier.verify(p.database)
        #expect(verdict.problems.isEmpty, "\(verdict.problems)")
    }
}
