import Testing
@testable import PartnerCenter

struct PagingTests {
    @Test func defaultsApply() throws {
        #expect(try Page(offset: nil, limit: nil) == Page(offset: 0, limit: 10))
    }

    @Test func limitsAreEnforced() {
        #expect(throws: Refusal.self) { try Page(offset: nil, limit: 101) }
        #expect(throws: Refusal.self) { try Page(offset: nil, limit: 0) }
        #expect(throws: Refusal.self) { try Page(offset: -1, limit: nil) }
        #expect(throws: Refusal.self) { try Page(offset: 40_000_001, limit: nil) }
        #expect((try? Page(offset: 40_000_000, limit: 100)) != nil)
    }

    @Test func likeFilterEscapesWildcards() {
        #expect(likeInfix("a_b%c") == "%a\\_b\\%c%")
    }

    @Test func rateLimiterRefills() {
        let limiter = RateLimiter(perSecond: 2)
        let t0: UInt64 = 1_000_000_000
        #expect(limiter.allow("k", now: t0))
        #expect(limiter.allow("k", now: t0))
        #expect(!limiter.allow("k", now: t0))
        #expect(limiter.allow("other", now: t0))
        #expect(limiter.allow("k", now: t0 + 600_000_000))
        #expect(RateLimiter(perSecond: 0).allow("k"))
    }
}
