import Foundation
import Testing
@testable import PartnerCenter

/// The amortization rule on exact amounts: months add up to the fee, sources to the month.
struct AmortizationTests {
    let fen: Int64 = 1_000_000   // ledger units in 0.01 yuan
    func month(_ y: Int, _ m: Int) -> Int64 { WireTime.fromParts(y, m, 1, 0, 0, 0)! - WireTime.beijingOffset }

    @Test func theMonthsOfAPeriodAddUpToTheFeeAndEachMonthToItsSources() throws {
        // 287.64 paid as 200 cash, 50 credit, 37.64 by coupon, for 10 Jan 12:00 to 10 Jan next year 23:59:59.
        let begin = WireTime.fromParts(2027, 1, 10, 4, 0, 0)!, end = WireTime.fromParts(2028, 1, 10, 15, 59, 59)!
        var total: Int64 = 0, cash: Int64 = 0
        for i in 0..<13 {
            let (y, m) = (2027 + i / 12, i % 12 + 1)
            let next = i == 12 ? month(2028, 2) : month(2027 + (i + 1) / 12, (i + 1) % 12 + 1)
            let s = try Amortization.split(cash: 200 * 100 * fen, credit: 50 * 100 * fen, coupon: 3764 * fen, debt: 0, begin: begin, end: end,
                                           month: month(y, m), until: next)
            #expect(s.past == total, "what came before is what the earlier months took")
            #expect(s.current == s.cash + s.credit + s.coupon)
            #expect(s.current % fen == 0, "each month's amount is whole fen")
            total += s.current
            cash += s.cash
        }
        #expect(total == 28764 * fen)
        #expect(cash == 200 * 100 * fen)
    }

    @Test func aMonthOutsideThePeriodTakesNothingAndArrearsCountAsCash() throws {
        let begin = month(2027, 3), end = month(2027, 4)
        let before = try Amortization.split(cash: 0, credit: 0, coupon: 0, debt: 2820 * fen, begin: begin, end: end, month: month(2027, 2), until: month(2027, 3))
        #expect(before == Amortization.Split(past: 0, current: 0, future: 2820 * fen))
        let during = try Amortization.split(cash: 0, credit: 0, coupon: 0, debt: 2820 * fen, begin: begin, end: end, month: month(2027, 3), until: month(2027, 4))
        #expect(during.current == 2820 * fen && during.cash == 2820 * fen && during.future == 0)
        // A refund (negative) spreads the same way.
        let refund = try Amortization.split(cash: -1000 * fen, credit: 0, coupon: 0, debt: 0, begin: month(2027, 3), end: month(2027, 5),
                                            month: month(2027, 3), until: month(2027, 4))
        #expect(refund.current + refund.future == -1000 * fen && refund.current < 0)
    }
}
