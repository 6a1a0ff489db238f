import Foundation
import Testing
@testable import PartnerCenter

struct RatingMathTests {
    let d = { (s: String) in Decimal(string: s)! }

    @Test func tiersAreCountedFromZero() {
        let tiers = [PricePlan.Tier(upTo: d("10240"), unitPrice: d("0.5")), PricePlan.Tier(upTo: d("51200"), unitPrice: d("0.45")), PricePlan.Tier(upTo: nil, unitPrice: d("0.4"))]
        #expect(RatingMath.usageCharge(unitPrice: nil, tiers: tiers, quantity: d("20480")) == d("9728"))
        #expect(RatingMath.usageCharge(unitPrice: nil, tiers: tiers, quantity: d("100")) == d("50"))
        #expect(RatingMath.usageCharge(unitPrice: nil, tiers: tiers, quantity: d("60000")) == d("5120") + d("18432") + d("3520"))
        #expect(RatingMath.usageCharge(unitPrice: nil, tiers: tiers, quantity: 0) == 0)
    }

    @Test func truncationGoesTowardZero() {
        #expect(Money.truncated(d("0.0839999"), scale: 6) == d("0.083999"))
        #expect(Money.truncated(d("1.9999999999"), scale: 6) == d("1.999999"))
        #expect(Money.truncated(d("-1.23456789"), scale: 2) == d("-1.23"))
    }

    @Test func conversionsEndInOneDivision() {
        let c = UnitConverter(pairs: [(4, 5, 60), (5, 6, 60), (9, 10, 1024), (10, 11, 1024)])
        let m = c.factor(from: 5, to: 4)!
        #expect(d("90") * m.num / m.den == d("1.5"))
        let s = c.factor(from: 6, to: 4)!
        #expect(d("5400") * s.num / s.den == d("1.5"))
        let t = c.factor(from: 9, to: 11)!
        #expect(t.num / t.den == 1_048_576)
        #expect(c.factor(from: 4, to: 10) == nil)
    }

    @Test func discountedChargesStayExact() {
        var plan = PricePlan(productID: "p", serviceType: "s", resourceType: "r", resourceSpec: "x", region: "g", usageFactor: "Duration",
                             usageMeasureID: 4, sizeMeasureID: 17, unitPrice: d("0.0014"), tiers: [])
        let (official, discounted) = RatingMath.charges(plan, value: 7, num: 1, den: 60, count: 40, rate: d("0.3333"))
        #expect(Money.truncated(discounted, scale: 10) == d("0.00217756"))
        #expect(Money.truncated(official, scale: 10) == d("0.0065333333"))
        plan.tiers = [PricePlan.Tier(upTo: nil, unitPrice: d("0.5"))]
        #expect(RatingMath.charges(plan, value: 10, num: 1, den: 1, count: 1, rate: nil).official == 5)
    }

    @Test func subscriptionExpiryIsTheEndOfTheBeijingDay() {
        let start = WireTime.parseUTC("2026-01-31T02:00:00Z")!
        #expect(WireTime.utc(ResourceStore.expiry(start: start, periodType: 2, periodNum: 1)) == "2026-02-28T15:59:59Z")
        let leap = WireTime.parseUTC("2024-02-29T02:00:00Z")!
        #expect(WireTime.utc(ResourceStore.expiry(start: leap, periodType: 3, periodNum: 1)) == "2025-02-28T15:59:59Z")
        // 16:00Z is already the next day in Beijing.
        let late = WireTime.parseUTC("2026-03-31T16:00:00Z")!
        #expect(WireTime.utc(ResourceStore.expiry(start: late, periodType: 2, periodNum: 1)) == "2026-05-01T15:59:59Z")
    }
}
