import Foundation
import Testing
@testable import PartnerCenter

struct Bandwidth95Tests {
    @Test func percentileDropsTheTopFivePercent() {
        // 0...99 four times: the top 20 points (99…95) go, 94 is billed.
        let values = (0..<400).map { Decimal($0 % 100) }
        #expect(Bandwidth95.percentile95(values) == 94)
        // Under 20 points nothing is dropped; at 20 exactly one is.
        #expect(Bandwidth95.percentile95((1...19).map { Decimal($0) }) == 19)
        #expect(Bandwidth95.percentile95((1...20).map { Decimal($0) }) == 19)
        #expect(Bandwidth95.percentile95([]) == nil)
    }

    @Test func actualDaysAreExact() {
        #expect(Bandwidth95.actualDays(points: 288) == "1")
        #expect(Bandwidth95.actualDays(points: 400) == "1.38888888888888888888")
    }

    @Test func aMonthIsPublishedAt20OnTheSecond() {
        let at = { (s: String) in WireTime.parseUTC(s)! }
        #expect(!Bandwidth95.published(cycle: "2026-12", now: at("2027-01-02T11:59:59Z")))
        #expect(Bandwidth95.published(cycle: "2026-12", now: at("2027-01-02T12:00:00Z")))
        #expect(!Bandwidth95.published(cycle: "2026-03", now: at("2026-03-31T23:00:00Z")))
    }

    @Test func absoluteServicesKeepTheirEncoding() {
        let base = "http://127.0.0.1:8080"
        #expect(AssertionCheck.consolePath("http://127.0.0.1:8080/console/a%3Fb", publicURL: base) == "/console/a%3Fb")
        #expect(AssertionCheck.consolePath("http://127.0.0.1:8080/console/x%2F%2Fevil.example", publicURL: base) == nil)
    }
}
