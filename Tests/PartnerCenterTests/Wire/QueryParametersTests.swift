import Testing
@testable import PartnerCenter

/// Typed queries read without a server or a database.
struct QueryParametersTests {
    func params(_ pairs: (String, String)...) -> QueryParameters { QueryParameters(pairs) }

    func parameterError(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let e as Refusal { return e.message } catch { return "\(error)" }
    }

    @Test func firstValueAndIntegers() throws {
        let q = params(("a", "1"), ("a", "2"), ("e", ""), ("x", "y"))
        #expect(q["a"] == "1")
        #expect(q.values("a") == ["1", "2"])
        #expect(q.contains("e") && !q.contains("z"))
        #expect(try q.queryInt("a") == 1)
        #expect(try q.queryInt("e") == nil)
        #expect(throws: Refusal.self) { try q.queryInt("x") }
        #expect(throws: Refusal.self) { try q.queryIntStrict("e") }
        #expect(try q.queryIntStrict("z") == nil)
    }

    @Test func couponRecordsOperationTypes() throws {
        #expect(try CouponRecordsQuery(params()).operationTypes == nil)
        #expect(try CouponRecordsQuery(params(("operation_types", ""))).operationTypes == [])
        #expect(try CouponRecordsQuery(params(("operation_types", "1"), ("operation_types", ""), ("operation_types", "3"))).operationTypes == ["1", "3"])
        #expect(throws: Refusal.self) { try CouponRecordsQuery(params(("operation_types", "10"))) }
    }

    @Test func checksRunInTheirOrder() {
        // The first failing check names the error, as when the store checked.
        let q = params(("quota_id", String(repeating: "q", count: 65)), ("offset", "-1"))
        #expect(parameterError { _ = try ListIssuedQuotasQuery(q) }?.contains("quota_id") == true)
        let bad = params(("bill_cycle", "2026-1"), ("charge_mode", "2"))
        #expect(parameterError { _ = try PartnerMonthlyBillsQuery(params(("cycle", "2026-01"), ("charge_mode", "2"))) }?.contains("charge_mode") == true)
        #expect(parameterError { _ = try CustomerMonthlySumQuery(bad) }?.contains("bill_cycle") == true)
    }

    @Test func changeRecordsPageErrorWaitsForTheWindow() throws {
        // The page is checked after the trade window, which needs the business clock.
        let q = try ChangeRecordsQuery(params(("balance_type", "BALANCE_TYPE_DEBIT"), ("trade_time_begin", "2026-01-01"), ("limit", "0")))
        #expect(q.tradeDays.begin != nil && q.tradeDays.end == nil)
        #expect(throws: Refusal.self) { try q.page }
        #expect(throws: Refusal.self) { try ChangeRecordsQuery(params(("balance_type", "BALANCE_TYPE_DEBIT"), ("trade_time_end", "2026-1-1"))) }
    }
}
