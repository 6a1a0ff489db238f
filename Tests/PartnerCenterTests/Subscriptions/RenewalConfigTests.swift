import Foundation
import Testing
@testable import PartnerCenter

/// The renewal settings' calendar and price rules, on exact times.
struct RenewalConfigTests {
    /// 23:59:59 Beijing time of a calendar day, as UTC epoch milliseconds.
    func beijingEnd(_ y: Int, _ m: Int, _ d: Int) -> Int64 { WireTime.fromParts(y, m, d, 23, 59, 59)! - WireTime.beijingOffset }

    @Test func beijingDateIsTheInverseOfTheCalendar() {
        for (y, m, d) in [(1970, 1, 1), (2024, 2, 29), (2026, 12, 31), (2027, 3, 1), (2100, 2, 28)] {
            let start = WireTime.fromParts(y, m, d, 0, 0, 0)! - WireTime.beijingOffset
            #expect(WireTime.beijingDate(start) == (y, m, d))
            #expect(WireTime.beijingDate(start + WireTime.dayMillis - 1) == (y, m, d))
        }
        // 20:00 UTC is already the next day in Beijing.
        #expect(WireTime.beijingDate(WireTime.fromParts(2026, 12, 31, 20, 0, 0)!) == (2027, 1, 1))
    }

    @Test func aPeriodIsLengthenedToTheNextUnifiedDay() {
        let natural = beijingEnd(2027, 1, 10)
        #expect(RenewalConfig.aligned(natural, to: nil) == natural)
        #expect(RenewalConfig.aligned(natural, to: 15) == beijingEnd(2027, 1, 15))
        #expect(RenewalConfig.aligned(natural, to: 10) == natural)
        // A day already passed this month is next month's.
        #expect(RenewalConfig.aligned(natural, to: 5) == beijingEnd(2027, 2, 5))
        // -1: the month's last day, February's in a leap year too.
        #expect(RenewalConfig.aligned(natural, to: -1) == beijingEnd(2027, 1, 31))
        #expect(RenewalConfig.aligned(beijingEnd(2028, 2, 3), to: -1) == beijingEnd(2028, 2, 29))
        // December rolls into January.
        #expect(RenewalConfig.aligned(beijingEnd(2026, 12, 20), to: 1) == beijingEnd(2027, 1, 1))
        // Never shorter than the period bought.
        for day in [1, 14, 28, -1] {
            #expect(RenewalConfig.aligned(natural, to: day) >= natural)
        }
    }

    @Test func aLengthenedPeriodIsPricedProRataHalfUp() throws {
        let start = beijingEnd(2027, 1, 10)
        let natural = beijingEnd(2027, 2, 10)
        // 31 days bought, 36 covered (to 15 February): 100.00 × 36/31 = 116.129… → 116.13.
        let aligned = beijingEnd(2027, 2, 15)
        #expect(try RenewalConfig.price(100_00_000_000, start: start, natural: natural, aligned: aligned) == 116_13_000_000)
        #expect(try RenewalConfig.price(100_00_000_000, start: start, natural: natural, aligned: natural) == 100_00_000_000)
        // 0.05 × 36/31 = 0.05806… → 0.06 (half-up to the fen).
        #expect(try RenewalConfig.price(5_000_000, start: start, natural: natural, aligned: aligned) == 6_000_000)
    }
}
