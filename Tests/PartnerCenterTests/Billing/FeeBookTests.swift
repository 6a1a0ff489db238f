import Foundation
import SQLKit
import Testing
@testable import PartnerCenter

/// The fee book on a real SQLite file and a real PostgreSQL server: what it writes to the
/// day and month sums is exactly the sum of the fee records it writes, however the fees
/// are split over books, days, services and bill types.
struct FeeBookTests {
    @Test(arguments: StorageTests.backends()) func sumsAgreeWithTheFeesTheySum(url: String) async throws {
        let p = try await StorageTests.platform(url)
        defer { Task { await p.close() } }
        let (partner, _) = try await p.accounts.createPartner(name: "fees\(UInt32.random(in: 0...UInt32.max))", kind: .solutionProvider, parentID: nil, password: nil)
        let caller = Principal(domainID: partner.domainID, domainName: partner.domainName, kind: .solutionProvider, parentID: nil, via: "test")
        let customer = try await p.customers.create(caller: caller, try NewCustomer(CreateCustomerRequest(
            domainName: "feec\(UInt32.random(in: 0...UInt32.max))", xaccountID: UUID().uuidString, xaccountType: partner.xaccountType,
            password: "Pc-Test#2024x", indirectPartnerID: nil))).domainID
        let day0: Int64 = 1_772_000_000_000  // 2026-02-25, Beijing
        var expected: [String: [Int64]] = [:]  // "day|service|billType" → [official, consume, cash, coupon, debt, fees]
        var rng = SystemRandomNumberGenerator()
        var n = 0
        var books: [[FeeBook.Fee]] = []
        for _ in 0..<3 {  // three books, as three imports or charges would be
            var fees: [FeeBook.Fee] = []
            for _ in 0..<20 {
                n += 1
                let trade = day0 + Int64.random(in: 0..<3, using: &rng) * 86_400_000 + Int64.random(in: 0..<86_400_000, using: &rng)
                let service = ["hws.service.type.ec2", "hws.service.type.obs"].randomElement(using: &rng)!
                let billType = [1, 5].randomElement(using: &rng)!
                let official = Int64.random(in: 1...10_000_000_000, using: &rng)
                let discount = Int64.random(in: 0...official / 4, using: &rng)
                let truncated = Int64.random(in: 0...min(999_999, official - discount), using: &rng)
                let consume = official - discount - truncated
                let coupon = Int64.random(in: 0...consume, using: &rng)
                let cash = Int64.random(in: 0...(consume - coupon), using: &rng)
                let debt = consume - coupon - cash
                fees.append(FeeBook.Fee(
                    id: "FT\(UUID().uuidString.prefix(24))", customerID: customer, partnerID: partner.domainID, cycle: "2026-02",
                    serviceType: service, resourceType: "hws.resource.type.vm", region: "cn-north-4", resourceID: "r\(n)", resourceName: "r\(n)",
                    resourceSpec: "s6.small.1.linux", productID: "p", chargingMode: billType == 5 ? 3 : 1, billType: billType,
                    begin: trade, end: trade, tradeTime: trade, tradeID: "TT\(n)", official: official, discount: discount,
                    truncated: truncated, consume: consume, cash: cash, coupon: coupon, debt: debt))
                let key = "\(FeeBook.sumsDay(trade))|\(service)|\(billType)"
                let add = [official, consume, cash, coupon, debt, 1]
                expected[key] = zip(expected[key] ?? [0, 0, 0, 0, 0, 0], add).map { $0 + $1 }
            }
            books.append(fees)
        }
        for fees in books {
            try await p.database.transaction { db in
                let book = FeeBook()
                for f in fees { try await book.add(db, f) }
                try await book.finish(db)
            }
        }
        let (days, months, fees) = try await p.database.read { db in
            (try await db.raw("""
                SELECT day, service_type, bill_type, official, consume, cash, coupon, debt, fees FROM bill_day_sums WHERE customer_id = \(bind: customer)
                """).all(),
             try await db.raw("SELECT CAST(SUM(official) AS BIGINT) AS official, CAST(SUM(fees) AS BIGINT) AS fees FROM bill_month_sums WHERE customer_id = \(bind: customer)").first()!,
             try await db.raw("SELECT CAST(SUM(official) AS BIGINT) AS official, COUNT(*) AS n FROM fee_records WHERE customer_id = \(bind: customer)").first()!)
        }
        var stored: [String: [Int64]] = [:]
        for r in days {
            let key = "\(try r.decode(column: "day", as: Int64.self))|\(try r.decode(column: "service_type", as: String.self))|\(try r.decode(column: "bill_type", as: Int.self))"
            stored[key] = try ["official", "consume", "cash", "coupon", "debt", "fees"].map { try r.decode(column: $0, as: Int64.self) }
        }
        #expect(stored == expected)
        #expect(try fees.decode(column: "n", as: Int.self) == 60)
        #expect(try months.decode(column: "fees", as: Int64.self) == 60)
        #expect(try months.decode(column: "official", as: Int64.self) == (try fees.decode(column: "official", as: Int64.self)))
        #expect(try months.decode(column: "official", as: Int64.self) == expected.values.reduce(0) { $0 + $1[0] })
    }
}
