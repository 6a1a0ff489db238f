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

    @Test func aNULAnywhereInABodyIsNamedByItsField() throws {
        let cases: [(String, StrictJSON.Verdict)] = [
            (#"{"customer_id": "abc\u0000"}"#, .nul(field: "customer_id")),
            (#"{"a": {"b": [1, {"c": "x\u0000y"}]}}"#, .nul(field: "a.b[1].c")),
            (#"["ok", "\u0000"]"#, .nul(field: "[1]")),
            (#""\u0000""#, .nul(field: "body")),
            (#"{"k\u0000": 1}"#, .nul(field: "body")),
            (#"{"a\"b": "\u0000"}"#, .nul(field: "a\"b")),
            (#"{"x": "\u0001\u001f\u007f\u2028\n"}"#, .valid),
            (#"{"x": "\u0100"}"#, .valid),
            (#"{"x": "a\u000"}"#, .malformed),
            ("{\"x\": \"a\u{0}\"}", .malformed),  // a raw control byte is not JSON at all
        ]
        for (text, verdict) in cases {
            #expect(StrictJSON.check(Array(text.utf8)) == verdict, "\(text)")
        }
        #expect(throws: Never.self) { _ = try WireJSON.decode(Amounts.self, from: ByteBuffer(string: #"{"amount": 1, "note": "\u0001"}"#)) }
        do {
            _ = try WireJSON.decode(Amounts.self, from: ByteBuffer(string: #"{"amount": 1, "note": "n\u0000"}"#))
            Issue.record("a NUL was decoded")
        } catch let e as APIError {
            #expect(e.code == "CBC.0100" && e.message.contains("note") && e.message.contains("NUL"))
        }
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
        #expect(Money.roundedHalfUp(Decimal(string: "1.005")!, scale: 2) == Decimal(string: "1.01")!)
        #expect(Money.roundedHalfUp(Decimal(string: "1.0049")!, scale: 2) == Decimal(string: "1")!)
        #expect(Money.scale(Decimal(string: "1.250")!) == 2)
    }

    /// Units are read off a decimal's digits, not its text; they must agree with the text
    /// for every amount, including the largest, negative and not-compacted ones.
    @Test func unitsAgreeWithTheText() throws {
        var rng = SystemRandomNumberGenerator()
        var samples: [String] = ["0", "-0.00000001", "92233720368.54775807", "-92233720368.54775807", "1.10", "100", "0.5"]
        for _ in 0..<2000 {
            let whole = Int64.random(in: -92_233_720_368...92_233_720_368, using: &rng)
            let places = Int.random(in: 0...8, using: &rng)
            let fraction = places == 0 ? "" : "." + String(format: "%0\(places)d", Int.random(in: 0..<Int(pow(10.0, Double(places))), using: &rng))
            samples.append(String(whole) + fraction)
        }
        for text in samples {
            let d = try #require(Money.parse(text))
            let units = try Units.from(d)
            #expect(Money.format(Units.decimal(units)) == Money.format(d), "\(text)")
            #expect(Money.scale(d) == (Money.format(d).split(separator: ".").dropFirst().first?.count ?? 0), "\(text)")
        }
        // Formatting by digits writes what NSDecimalString writes.
        let posix = Locale(identifier: "en_US_POSIX")
        var values = samples.compactMap { Money.parse($0) }
        values += [Decimal(sign: .plus, exponent: -2, significand: 150), Decimal(sign: .minus, exponent: 3, significand: 7),
                   Decimal(string: "123456789012345678901234567890")!, Decimal(string: "0.000000000000000000000000001")!,
                   Decimal(string: "1")! / Decimal(3), Decimal(string: "-2")! / Decimal(7), Decimal(sign: .minus, exponent: 0, significand: 0)]
        for _ in 0..<2000 {
            values.append(Decimal(sign: Bool.random(using: &rng) ? .minus : .plus, exponent: Int.random(in: -30...20, using: &rng),
                                  significand: Decimal(UInt64.random(in: 0...UInt64(Int64.max), using: &rng))))
        }
        for d in values {
            var copy = d
            #expect(Money.format(d) == NSDecimalString(&copy, posix), "\(d.significand)e\(d.exponent)")
        }
        // Not compacted: the same value written with trailing zeros by arithmetic.
        let padded = Decimal(string: "1.2")! * Decimal(string: "1.00")!
        #expect(Money.scale(padded) == 1)
        #expect(try Units.from(padded) == 120_000_000)
        #expect(throws: MoneyError.self) { try Units.from(Decimal(string: "0.000000001")!) }
        #expect(throws: MoneyError.self) { try Units.from(Decimal(string: "92233720368.54775808")!) }
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

/// The one table from rules to Huawei's answers: every rule has a CBC code and a 4xx status,
/// and the codes the SDK documents land where they must.
struct RefusalTableTests {
    @Test func everyRuleHasAHuaweiAnswer() {
        for rule in Rule.allCases {
            let w = rule.wire
            #expect(w.code.hasPrefix("CBC."), "\(rule)")
            #expect((400..<500).contains(w.status.code), "\(rule) answers \(w.status.code)")
        }
        #expect(Rule.distributorTakesNoDirectCustomers.wire.code == "CBC.50010059")
        #expect(Rule.insufficientBalance.wire.code == "CBC.99005003")
        let e = APIError(Refusal.parameter("limit", "must be at most 100"))
        #expect(e.status.code == 400 && e.code == "CBC.0100" && e.message == "Invalid parameter: limit must be at most 100.")
    }
}
