import Foundation

/// Exact decimal helpers: money never passes through Double.
public enum Money {
    /// The one currency the platform keeps accounts and quotes in (Huawei Cloud China: yuan).
    public static let currency = "CNY"

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

    // MARK: rounding rules — every rounding of money goes through one of these, and each
    // use says which of Huawei's rules applies there.

    /// Half-up (half away from zero) to `scale` places: Huawei's rule for amounts it quotes
    /// and charges to the fen — yearly/monthly prices and their discounted charges.
    public static func roundedHalfUp(_ value: Decimal, scale: Int) -> Decimal {
        var v = value
        var out = Decimal()
        NSDecimalRound(&out, &v, scale, .plain)
        return out
    }

    /// Toward zero to `scale` places: Huawei's rule for pay-per-use amounts (inquiry prices
    /// at six places, rated usage at eight) and for refunds (the customer never gets back
    /// more than the unused share).
    public static func truncated(_ value: Decimal, scale: Int) -> Decimal {
        var v = value
        var out = Decimal()
        NSDecimalRound(&out, &v, scale, value < 0 ? .up : .down)
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
