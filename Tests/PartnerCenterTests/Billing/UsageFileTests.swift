import Foundation
import Testing
@testable import PartnerCenter

struct UsageFileTests {
    let line = #"{"record_id":"r1","customer_id":"c","resource_id":"vm","cloud_service_type":"s","resource_type":"r","resource_spec":"x","region":"g","usage_type":"Duration","usage_value":0.12345678,"usage_measure_id":4,"begin_time":"2026-01-01T00:00:00Z","end_time":"2026-01-01T01:00:00Z"}"#

    @Test func jsonLinesKeepDecimalsExact() throws {
        let records = try UsageFile.parse(Data((line + "\n\n" + line.replacingOccurrences(of: "\"r1\"", with: "\"r2\"")).utf8))
        #expect(records.map(\.line) == [1, 3])
        #expect(records[0].record.usageValue == Decimal(string: "0.12345678")!)
    }

    @Test func unknownAndMissingKeysAreNamed() {
        let extra = line.replacingOccurrences(of: "}", with: #","color":"red"}"#)
        let missing = line.replacingOccurrences(of: #""region":"g","#, with: "")
        do {
            _ = try UsageFile.parse(Data((extra + "\n" + missing).utf8))
            Issue.record("accepted bad records")
        } catch let e as ImportFailed {
            #expect(e.problems.map(\.line) == [1, 2])
            #expect(e.problems.map(\.field) == ["color", "region"])
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func csvRowsPassTheSameChecks() throws {
        let csv = """
            record_id,customer_id,resource_id,cloud_service_type,resource_type,resource_spec,region,usage_type,usage_value,usage_measure_id,begin_time,end_time
            r1,c,vm,s,r,x,g,Duration,1.5,4,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z
            r2,c,vm,s,r,x,g,Duration,lots,4,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z
            """
        do {
            _ = try UsageFile.parse(Data(csv.utf8))
            Issue.record("accepted a bad row")
        } catch let e as ImportFailed {
            #expect(e.problems.count == 1)
            #expect(e.problems[0].line == 3)
            #expect(e.problems[0].field == "usage_value")
        }
    }

    @Test func durations() {
        #expect(BusinessClock.parseDuration("90m") == 5_400_000)
        #expect(BusinessClock.parseDuration("36h") == 129_600_000)
        #expect(BusinessClock.parseDuration("3d") == 259_200_000)
        #expect(BusinessClock.parseDuration("-1d") == -86_400_000)
        #expect(BusinessClock.parseDuration("3x") == nil)
        #expect(BusinessClock.parseDuration("h") == nil)
    }

    @Test func billCyclesFollowBeijingTime() {
        #expect(BillingStore.cycle(WireTime.parseUTC("2026-01-31T15:59:59Z")!) == "2026-01")
        #expect(BillingStore.cycle(WireTime.parseUTC("2026-01-31T16:00:00Z")!) == "2026-02")
    }
}
