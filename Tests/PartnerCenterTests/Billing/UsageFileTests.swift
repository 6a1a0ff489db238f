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

    /// The byte-level reader takes the common records and declines the rest; where it
    /// takes one, it reads exactly what the full decoder reads.
    @Test func fastReaderAgreesWithTheDecoder() throws {
        func fast(_ text: String) -> UsageRecord? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { UsageFastRead.json($0, 0, $0.count) }
        }
        let taken: [String] = [
            line,
            line.replacingOccurrences(of: "}", with: #", "resource_name" : "云硬盘 A", "resource_size": 40, "size_measure_id": 17 }"#),
            line.replacingOccurrences(of: "0.12345678", with: "-0.5"),
            line.replacingOccurrences(of: "0.12345678", with: "120"),
            line.replacingOccurrences(of: ",", with: " ,\t"),
            line.replacingOccurrences(of: "}", with: #","resource_name":""}"#),
        ]
        for text in taken {
            let f = try #require(fast(text), "declined \(text)")
            #expect(f == (try UsageFile.decode(Data(text.utf8))))
        }
        #expect(fast(taken[1])?.resourceName == "云硬盘 A")
        #expect(fast(taken[2])?.usageValue == Decimal(string: "-0.5"))
        let declined: [String] = [
            line.replacingOccurrences(of: "0.12345678", with: "1e3"),            // exponent
            line.replacingOccurrences(of: "0.12345678", with: "01.5"),           // leading zero
            line.replacingOccurrences(of: "0.12345678", with: "\"1.5\""),        // a string
            line.replacingOccurrences(of: #""usage_measure_id":4"#, with: #""usage_measure_id":4.0"#),
            line.replacingOccurrences(of: #""vm""#, with: #""v\u006d""#),        // an escape
            line.replacingOccurrences(of: "}", with: #","resource_name":null}"#),
            line.replacingOccurrences(of: "}", with: #","record_id":"r9"}"#),  // a key twice
            line.replacingOccurrences(of: "}", with: #","color":"red"}"#),
            line.replacingOccurrences(of: #""region":"g","#, with: ""),
            line.replacingOccurrences(of: "}", with: "},"),
            line + " x",
            "{}",
            line.replacingOccurrences(of: "{", with: #"{"":1,"#),
            line.replacingOccurrences(of: #""region""#, with: #""regio""#),
            line.replacingOccurrences(of: #""region""#, with: #""regiox""#),
            String(line.dropLast()),
            line.replacingOccurrences(of: #""vm""#, with: "\"v\u{01}m\""),    // a control character
        ]
        for text in declined { #expect(fast(text) == nil, "took \(text)") }
        // Each declined line still gets the decoder's verdict, the same as before.
        #expect(try UsageFile.decode(Data(declined[4].utf8)).resourceID == "vm")
        #expect(throws: ImportProblem.self) { try UsageFile.decode(Data(declined[2].utf8)) }
    }

    @Test func csvFastRowsMatchTheirJSON() throws {
        let csv = """
            record_id,customer_id,resource_id,cloud_service_type,resource_type,resource_spec,region,usage_type,usage_value,usage_measure_id,begin_time,end_time,resource_size
            r1,c,vm,s,r,x,g,Duration,0.12345678,4,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,
            r2,c,"vm,1",s,r,x,g,Duration,1.50,4,2026-01-01T00:00:00Z,2026-01-01T01:00:00Z,40
            """
        let rows = try UsageFile.parse(Data(csv.utf8))
        #expect(rows[0].record == (try UsageFile.decode(Data(line.utf8))))
        let second = line.replacingOccurrences(of: #""r1""#, with: #""r2""#).replacingOccurrences(of: #""vm""#, with: #""vm,1""#)
            .replacingOccurrences(of: "0.12345678", with: "1.50").replacingOccurrences(of: "}", with: #","resource_size":40}"#)
        #expect(rows[1].record == (try UsageFile.decode(Data(second.utf8))))
    }

    @Test func crlfLinesAreRead() throws {
        let records = try UsageFile.parse(Data((line + "\r\n" + line.replacingOccurrences(of: "\"r1\"", with: "\"r2\"") + "\r\n").utf8))
        #expect(records.map(\.record.recordID) == ["r1", "r2"])
    }

    /// Stored hashes must keep matching: the digest is of the fields joined by U+001F.
    @Test func contentHashIsTheJoinedFields() throws {
        var r = try UsageFile.decode(Data(line.utf8))
        r.resourceName = "云硬盘"
        r.resourceSize = 40
        let joined = ["r1", "c", "vm", "s", "r", "x", "g", "Duration", "0.12345678", "4", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "云硬盘", "40", ""]
            .joined(separator: "\u{1f}")
        #expect(r.contentHash == SDKSignature.hexSHA256(Array(joined.utf8)))
        #expect(r.contentHash.count == 64)
    }

    /// A large file is read in parts at once; line numbers and results match one pass.
    @Test func largeFilesReadInPartsKeepTheirLineNumbers() throws {
        var lines: [String] = []
        for n in 0..<40_000 {
            if n == 5 || n == 20_011 || n == 39_998 { lines.append(#"{"record_id": nope}"#); continue }
            if n % 997 == 0 { lines.append("  "); continue }
            lines.append(line.replacingOccurrences(of: #""r1""#, with: "\"r\(n)\""))
        }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        #expect(data.count > 4 << 20)
        let (records, problems) = try UsageFile.parseCollecting(data)
        #expect(problems.map(\.line) == [6, 20_012, 39_999])
        let whole = data.withUnsafeBytes { UsageFile.jsonLines($0.bindMemory(to: UInt8.self), 0, data.count) }
        #expect(records.map(\.line) == whole.records.map(\.0))
        #expect(records.map(\.record) == whole.records.map(\.1))
        #expect(records.first?.record.recordID == "r1" && records.last?.record.recordID == "r39999")
        #expect(records.count == 40_000 - 3 - (0..<40_000).filter { $0 % 997 == 0 && ![5, 20_011, 39_998].contains($0) }.count)
    }
}
