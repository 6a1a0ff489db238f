import Foundation

/// Times on the wire: UTC `yyyy-MM-ddTHH:mm:ssZ`; in the database: epoch milliseconds.
public enum WireTime {
    /// Beijing time (UTC+8): bill cycles, bill days and date filters follow it.
    public static let beijingOffset: Int64 = 8 * 3600 * 1000
    public static let dayMillis: Int64 = 24 * 3600 * 1000

    /// The UTC millisecond the Beijing day containing `millis` starts at.
    public static func beijingDayStart(_ millis: Int64) -> Int64 {
        (millis + beijingOffset) / dayMillis * dayMillis - beijingOffset
    }

    /// The Beijing (UTC+8) calendar date of `millis`: year, month 1–12, day 1–31.
    public static func beijingDate(_ millis: Int64) -> (Int, Int, Int) {
        // Civil from days (Howard Hinnant's algorithm), the inverse of `fromParts`.
        let z = Int((millis + beijingOffset - (millis + beijingOffset < 0 ? dayMillis - 1 : 0)) / dayMillis) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `YYYY-MM` of a time, in Beijing time (bill cycles and other monthly rules follow UTC+8).
    public static func beijingMonth(_ millis: Int64) -> String {
        String(utc(millis + beijingOffset).prefix(7))
    }

    /// The `YYYY-MM` `n` months after `month` (before it, for negative `n`).
    public static func month(_ month: String, plus n: Int) -> String {
        let index = Int(month.prefix(4))! * 12 + Int(month.suffix(2))! - 1 + n
        return String(format: "%04d-%02d", index / 12, index % 12 + 1)
    }

    public static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Formats epoch milliseconds as `yyyy-MM-ddTHH:mm:ssZ`.
    public static func utc(_ millis: Int64) -> String {
        let secs = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        var t = time_t(secs)
        var parts = tm()
        gmtime_r(&t, &parts)
        // Digits written by hand: String(format:) costs microseconds, and bulk jobs format per row.
        var out = Array("0000-00-00T00:00:00Z".utf8)
        func put(_ value: Int, at end: Int, width: Int) {
            var v = value
            for i in stride(from: end, to: end - width, by: -1) { out[i] = UInt8(48 + v % 10); v /= 10 }
        }
        put(Int(parts.tm_year) + 1900, at: 3, width: 4)
        put(Int(parts.tm_mon) + 1, at: 6, width: 2)
        put(Int(parts.tm_mday), at: 9, width: 2)
        put(Int(parts.tm_hour), at: 12, width: 2)
        put(Int(parts.tm_min), at: 15, width: 2)
        put(Int(parts.tm_sec), at: 18, width: 2)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `yyyy-MM-ddTHH:mm:ssZ` strictly (ranges checked), returning epoch milliseconds.
    public static func parseUTC(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
              let mi = num(14..<16), let se = num(17..<19) else { return nil }
        return fromParts(y, mo, d, h, mi, se)
    }

    /// Parses the signer's `yyyyMMddTHHmmssZ`.
    public static func parseBasic(_ s: String) -> Int64? {
        let b = Array(s.utf8)
        guard b.count == 16, b[8] == UInt8(ascii: "T"), b[15] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8), let h = num(9..<11),
              let mi = num(11..<13), let se = num(13..<15) else { return nil }
        return fromParts(y, mo, d, h, mi, se)
    }

    static func fromParts(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ se: Int) -> Int64? {
        guard (1970...9999).contains(y), (1...12).contains(mo), (0...23).contains(h), (0...59).contains(mi), (0...59).contains(se) else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...days[mo - 1]).contains(d) else { return nil }
        // Days from civil (Howard Hinnant's algorithm): exact, no calendar object, no locale.
        let yy = mo <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let mp = (mo + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let dayNumber = era * 146097 + doe - 719468
        return (Int64(dayNumber) * 86400 + Int64(h * 3600 + mi * 60 + se)) * 1000
    }
}
