import Foundation
import NIOCore
import Testing
@testable import PartnerCenter

struct CodingTests {
    struct Amounts: Codable, Equatable {
        var amount: Decimal
        var note: String?
    }

    @Test func decimalsTravelExactlyThroughJSON() throws {
        let body = ByteBuffer(string: #"{"amount": 0.1000000001}"#)
        let decoded = try WireJSON.decode(Amounts.self, from: body)
        #expect(decoded.amount == Decimal(string: "0.1000000001")!)
        let out = String(buffer: try WireJSON.encode(Amounts(amount: Decimal(string: "12345678901234.123456")!, note: nil)))
        #expect(out == #"{"amount":12345678901234.123456}"#)
    }

    @Test func sumsOfDecimalsHaveNoFloatError() throws {
        var total = Decimal(0)
        for _ in 0..<10 { total += Decimal(string: "0.1")! }
        #expect(total == Decimal(1))
        #expect(Money.format(total) == "1")
    }

    @Test func nullsAreOmitted() throws {
        let out = String(buffer: try WireJSON.encode(Amounts(amount: 1, note: nil)))
        #expect(!out.contains("note"))
    }

    @Test func moneyParsingIsStrict() {
        #expect(Money.parse("12.50") == Decimal(string: "12.5"))
        #expect(Money.parse("-0.000001") == Decimal(string: "-0.000001"))
        #expect(Money.parse("1e5") == nil)
        #expect(Money.parse("NaN") == nil)
        #expect(Money.parse("") == nil)
        #expect(Money.parse(".") == nil)
        #expect(Money.parse("1.2.3") == nil)
    }

    @Test func roundingIsHalfUp() {
        #expect(Money.round(Decimal(string: "1.005")!, scale: 2) == Decimal(string: "1.01")!)
        #expect(Money.round(Decimal(string: "1.0049")!, scale: 2) == Decimal(string: "1")!)
        #expect(Money.scale(Decimal(string: "1.250")!) == 2)
    }

    struct Query: Codable { var limit: Int?; var name: String? }

    @Test func wrongTypeNamesTheField() {
        #expect(throws: APIError.self) { try WireJSON.decode(Query.self, from: ByteBuffer(string: #"{"limit":"abc"}"#)) }
        do {
            _ = try WireJSON.decode(Query.self, from: ByteBuffer(string: #"{"limit":"abc"}"#))
        } catch let e as APIError {
            #expect(e.code == "CBC.0100")
            #expect(e.message.contains("limit"))
            #expect(e.status.code == 400)
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func malformedJSONIsAParameterError() {
        do {
            _ = try WireJSON.decode(Query.self, from: ByteBuffer(string: #"{"limit": 1"#))
            Issue.record("accepted malformed JSON")
        } catch let e as APIError {
            #expect(e.code == "CBC.0100")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func emptyBodyIsAnEmptyObject() throws {
        let q = try WireJSON.decode(Query.self, from: ByteBuffer(string: ""))
        #expect(q.limit == nil)
    }

    @Test func utcTimesRoundTrip() {
        let t = WireTime.parseUTC("2024-02-29T23:59:59Z")
        #expect(t != nil)
        #expect(WireTime.utc(t!) == "2024-02-29T23:59:59Z")
        #expect(WireTime.parseUTC("2023-02-29T00:00:00Z") == nil)
        #expect(WireTime.parseUTC("2023-01-01T24:00:00Z") == nil)
        #expect(WireTime.parseUTC("2023-01-01 00:00:00") == nil)
        #expect(WireTime.utc(0) == "1970-01-01T00:00:00Z")
    }
}

struct StrictJSONTests {
    @Test(arguments: [#"{"a":1,}"#, #"[1,]"#, #"{'a':1}"#, #"{"a":01}"#, #"{"a":1} x"#, #"{"a":.5}"#, #"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", #"{a:1}"#, #"{"a":NaN}"#,
                      String(repeating: "[", count: 100) + String(repeating: "]", count: 100)])
    func refuses(_ text: String) {
        #expect(!StrictJSON.isValid(Array(text.utf8)))
    }

    @Test(arguments: [#"{}"#, #"{"a":[1,-2.5e3,true,false,null,"\u00e9\n"],"b":{"c":0}}"#, " [ ] ", #""x""#, "0", "-0.0"])
    func accepts(_ text: String) {
        #expect(StrictJSON.isValid(Array(text.utf8)))
    }
}

struct YuanFormatTests {
    @Test func yuanStringsHaveAtLeastTwoPlaces() {
        #expect(Money.yuan(Decimal(612)) == "612.00")
        #expect(Money.yuan(Decimal(string: "84.4")!) == "84.40")
        #expect(Money.yuan(Decimal(string: "0.125")!) == "0.125")
        #expect(Money.yuan(Decimal(string: "-3.5")!) == "-3.50")
    }
}
