import Foundation
import NIOCore

/// JSON coding shared by every route: the SDK's snake_case keys are spelled out in each
/// model's CodingKeys (no key strategy, so nothing is guessed), nulls are omitted
/// (synthesized `encodeIfPresent`), and money is `Decimal`, written as a JSON number
/// from its exact decimal digits.
public enum WireJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        ByteBuffer(data: try encoder().encode(value))
    }

    /// Decodes a request body. An empty body is read as `{}` (every field omitted).
    /// Any failure becomes CBC.0100 naming the offending field.
    public static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        var data = Data(buffer: body)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { data = Data("{}".utf8) }
        switch StrictJSON.check(Array(data)) {
        case .valid: break
        case .malformed: throw APIError.parameter("body", "is not valid JSON")
        case .nul(let field): throw APIError.containsNUL(field)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw map(error)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.parameter("body", "is not valid JSON")
        }
    }

    static func fieldName(_ path: [any CodingKey]) -> String {
        let parts = path.map { key -> String in
            if let i = key.intValue { return "[\(i)]" }
            return key.stringValue
        }
        var out = ""
        for p in parts {
            if p.hasPrefix("[") || out.isEmpty { out += p } else { out += "." + p }
        }
        return out.isEmpty ? "body" : out
    }

    static func map(_ error: DecodingError) -> APIError {
        switch error {
        case .typeMismatch(let type, let ctx):
            return .parameter(fieldName(ctx.codingPath), "must be \(typeName(type))")
        case .valueNotFound(let type, let ctx):
            return .parameter(fieldName(ctx.codingPath), "must be \(typeName(type)), not null")
        case .keyNotFound(let key, let ctx):
            return .parameter(fieldName(ctx.codingPath + [key]), "is required")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return .parameter("body", "is not valid JSON") }
            return .parameter(fieldName(ctx.codingPath), "has an invalid value")
        @unknown default:
            return .parameter("body", "is not valid JSON")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Bool.Type: return "a boolean"
        case is Decimal.Type: return "a number"
        case is [String: Any].Type: return "an object"
        default:
            let n = String(describing: type)
            if n.hasPrefix("Array") { return "an array" }
            if n.hasPrefix("Dictionary") { return "an object" }
            return "of type \(n)"
        }
    }
}

/// Exact decimal helpers: money never passes through Double.
public enum Money {
    /// Made once: building a Locale costs more than the arithmetic it formats.
    static let posix = Locale(identifier: "en_US_POSIX")

    /// Parses a decimal written in plain digits (`-12.3400`), refusing exponents,
    /// hex, NaN and anything `Decimal(string:)` would half-accept.
    public static func parse(_ text: String) -> Decimal? {
        var s = Substring(text)
        if s.hasPrefix("-") || s.hasPrefix("+") { s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard !s.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)) else { return nil }
        return Decimal(string: text, locale: posix)
    }

    /// Plain decimal text without exponent, e.g. `10.5`, `-0.000001`.
    public static func format(_ value: Decimal) -> String {
        // Digits of a significand that fits Int64, the point placed by the exponent:
        // what NSDecimalString writes, without its digit-by-digit division.
        if !value.isNaN, value.significand <= maxSignificand, (-60...60).contains(value.exponent) {
            let m = NSDecimalNumber(decimal: value.significand).int64Value
            if m == 0 { return "0" }
            var digits = String(m)
            let e = value.exponent
            if e > 0 {
                digits += String(repeating: "0", count: e)
            } else if e < 0 {
                if digits.utf8.count <= -e {
                    digits = "0." + String(repeating: "0", count: -e - digits.utf8.count) + digits
                } else {
                    digits.insert(".", at: digits.index(digits.endIndex, offsetBy: e))
                }
            }
            return value.sign == .minus ? "-" + digits : digits
        }
        var v = value
        return NSDecimalString(&v, posix)
    }
    private static let maxSignificand = Decimal(Int64.max)

    /// Yuan as Huawei's string fields show them: at least two decimals (`612.00`, `0.125`).
    public static func yuan(_ value: Decimal) -> String {
        let s = format(value)
        let places = scale(value)
        if places >= 2 { return s }
        return s + (places == 0 ? ".00" : "0")
    }

    /// Rounds half-up (Huawei's rounding for amounts) to `scale` decimals.
    public static func round(_ value: Decimal, scale: Int) -> Decimal {
        var v = value
        var out = Decimal()
        NSDecimalRound(&out, &v, scale, .plain)
        return out
    }

    /// Number of digits after the decimal point.
    public static func scale(_ value: Decimal) -> Int {
        // Decimals parsed or computed here are compact (no trailing zeros), so the exponent
        // is the scale; confirming that by rounding is cheaper than writing the digits out.
        if value.exponent >= 0 { return 0 }
        var copy = value, shorter = Decimal()
        NSDecimalRound(&shorter, &copy, -value.exponent - 1, .plain)
        if shorter != value { return -value.exponent }
        let s = format(value)
        guard let dot = s.firstIndex(of: ".") else { return 0 }
        return s.distance(from: dot, to: s.endIndex) - 1
    }
}
