import Foundation

/// An amount that has no exact place in storage. Amounts from callers are checked at the
/// edge first (``validAmount(_:field:decimals:)`` names the field), and rated amounts are
/// rounded by a named rule before they are stored, so this is a fault, not a caller's error.
public enum MoneyError: Error, CustomStringConvertible {
    case moreDecimalPlacesThanStored(Decimal)
    case outOfRange(Decimal)

    public var description: String {
        switch self {
        case .moreDecimalPlacesThanStored(let v): "the amount \(Money.format(v)) has more than \(Units.scale) decimal places"
        case .outOfRange(let v): "the amount \(Money.format(v)) does not fit in storage"
        }
    }
}

/// Exact money in storage: whole units of 10^-8 yuan in a BIGINT. Conversions refuse
/// anything that would lose a digit instead of rounding silently.
public enum Units {
    public static let scale = 8
    static let factor = Decimal(string: "100000000")!

    static let maxUnits = Decimal(Int64.max)

    public static func from(_ value: Decimal) throws -> Int64 {
        guard Money.scale(value) <= scale else { throw MoneyError.moreDecimalPlacesThanStored(value) }
        // Shifting the exponent and reading the digits as an integer: exact, and no text
        // on the way (rating converts three amounts per usage record).
        var copy = value, scaled = Decimal()
        _ = NSDecimalMultiplyByPowerOf10(&scaled, &copy, Int16(scale), .plain)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        precondition(rounded == scaled, "scaling by 10^8 must be exact after the scale check")
        guard rounded.magnitude <= maxUnits else { throw MoneyError.outOfRange(value) }
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    public static func decimal(_ units: Int64) -> Decimal {
        Decimal(sign: units < 0 ? .minus : .plus, exponent: -scale, significand: Decimal(units.magnitude))
    }

    /// One fen (0.01 yuan) in units.
    public static let fen: Int64 = 1_000_000

    /// Drops what lies below a fen, toward zero: Huawei's write-off (抹零) of a pay-per-use
    /// fee's amount due; the dropped part is shown as the fee's truncated amount.
    public static func truncatedToFen(_ units: Int64) -> Int64 {
        units - units % fen
    }

    /// The amount as Huawei's string fields show it (`"150.25"`).
    public static func text(_ units: Int64) -> String {
        Money.format(decimal(units))
    }
}

/// Checks an API amount: positive, at most `decimals` places (2 for yuan amounts).
public func validAmount(_ value: Decimal?, field: String = "amount", decimals: Int = 2) throws -> Decimal {
    guard let v = value else { throw Refusal.parameter(field, "is required") }
    guard v > 0 else { throw Refusal.parameter(field, "must be greater than 0") }
    guard Money.scale(v) <= decimals else { throw Refusal.parameter(field, "must have at most \(decimals) decimal places") }
    guard v <= Decimal(string: "90000000000")! else { throw Refusal.parameter(field, "is too large") }
    return v
}
