import Foundation

/// The common usage record read straight from its bytes: one flat JSON object, each key
/// a usage record key at most once, strings without escapes, numbers in plain digits.
/// Anything else (escapes, null, exponents, unknown or missing keys, bad UTF-8) gives nil,
/// and the caller goes through `UsageFile.decode`, which names the exact problem. So the
/// two paths accept the same records and read them to the same values; this one only
/// skips three passes of Foundation's JSON machinery per record.
enum UsageFastRead {
    private static let keyBytes: [[UInt8]] = UsageRecord.keys.map { Array($0.utf8) }

    /// Which usage record key the bytes spell, compared in place (no String per key).
    private static func key(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int? {
        let n = e - s
        for (k, bytes) in keyBytes.enumerated() where bytes.count == n && bytes[0] == b[s] {
            var same = true
            for j in 1..<n where bytes[j] != b[s + j] { same = false; break }
            if same { return k }
        }
        return nil
    }

    /// Text of plain ASCII bytes made directly; anything else validated as UTF-8.
    private static func text(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> String? {
        let slice = UnsafeBufferPointer(rebasing: b[s..<e])
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        return String(validating: slice, as: UTF8.self)
    }
    /// Indices (into `UsageRecord.keys`) of the values that are numbers.
    private static let decimalKey = 8
    private static let integerKeys: Set<Int> = [9, 13, 14]

    enum Value { case text(String), number(String) }

    /// A usage record from the bytes `b[start..<end]` holding one JSON object, or nil.
    static func json(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> UsageRecord? {
        var i = start
        func ws() { while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }
        /// The bounds of a string without escapes or control characters; i moves past its closing quote.
        func span() -> (Int, Int)? {
            guard i < end, b[i] == 0x22 else { return nil }
            i += 1
            let s = i
            while i < end, b[i] != 0x22 {
                if b[i] == 0x5C || b[i] < 0x20 { return nil }
                i += 1
            }
            guard i < end else { return nil }
            i += 1
            return (s, i - 1)
        }
        var values = [Value?](repeating: nil, count: UsageRecord.keys.count)
        ws()
        guard i < end, b[i] == 0x7B else { return nil }
        i += 1
        ws()
        if i < end, b[i] == 0x7D { return nil }  // {} lacks the required keys
        while true {
            ws()
            guard let (ks, ke) = span(), ke > ks, let k = key(b, ks, ke), values[k] == nil else { return nil }
            ws()
            guard i < end, b[i] == 0x3A else { return nil }
            i += 1
            ws()
            guard i < end else { return nil }
            if b[i] == 0x22 {
                guard let (vs, ve) = span(), let s = text(b, vs, ve) else { return nil }
                values[k] = .text(s)
            } else {
                let s = i
                while i < end, b[i] == 0x2D || b[i] == 0x2E || (b[i] >= 0x30 && b[i] <= 0x39) { i += 1 }
                guard i > s else { return nil }
                values[k] = .number(String(decoding: UnsafeBufferPointer(rebasing: b[s..<i]), as: UTF8.self))
            }
            ws()
            guard i < end else { return nil }
            if b[i] == 0x2C { i += 1; continue }
            guard b[i] == 0x7D else { return nil }
            i += 1
            break
        }
        ws()
        guard i == end else { return nil }
        return record(values)
    }

    /// A usage record from named CSV fields (empty fields absent), or nil.
    static func csv(names: [String], fields: [String]) -> UsageRecord? {
        var values = [Value?](repeating: nil, count: UsageRecord.keys.count)
        for (n, v) in zip(names, fields) where !v.isEmpty {
            guard let k = UsageRecord.keys.firstIndex(of: n), values[k] == nil else { return nil }
            values[k] = (k == decimalKey || integerKeys.contains(k)) ? .number(v) : .text(v)
        }
        return record(values)
    }

    /// The record when every value has its key's type and the required keys are there.
    private static func record(_ v: [Value?]) -> UsageRecord? {
        func text(_ k: Int) -> String?? {
            switch v[k] {
            case nil: return .some(nil)
            case .text(let s): return .some(s)
            case .number: return nil
            }
        }
        func integer(_ k: Int) -> Int?? {
            switch v[k] {
            case nil: return .some(nil)
            case .text: return nil
            case .number(let s):
                guard plainNumber(s, fraction: false), s.utf8.count <= 18, let n = Int(s) else { return nil }
                return .some(n)
            }
        }
        guard case .number(let value)? = v[decimalKey], plainNumber(value, fraction: true), value.utf8.count <= 30,
              let usage = Decimal(string: value, locale: Money.posix) else { return nil }
        guard let recordID = text(0), let recordID, let customerID = text(1), let customerID, let resourceID = text(2), let resourceID,
              let service = text(3), let service, let resourceType = text(4), let resourceType, let spec = text(5), let spec,
              let region = text(6), let region, let usageType = text(7), let usageType,
              let measure = integer(9), let measure, let begin = text(10), let begin, let end = text(11), let end,
              let name = text(12), let size = integer(13), let sizeMeasure = integer(14) else { return nil }
        return UsageRecord(recordID: recordID, customerID: customerID, resourceID: resourceID, cloudServiceType: service, resourceType: resourceType,
                           resourceSpec: spec, region: region, usageType: usageType, usageValue: usage, usageMeasureID: measure,
                           beginTime: begin, endTime: end, resourceName: name, resourceSize: size, sizeMeasureID: sizeMeasure)
    }

    /// JSON's number grammar without exponents: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
    static func plainNumber(_ s: String, fraction: Bool) -> Bool {
        var u = Substring(s).utf8[...]
        if u.first == 0x2D { u = u.dropFirst() }
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        let whole = u.prefix(while: isDigit)
        guard !whole.isEmpty, whole.count == 1 || whole.first != 0x30 else { return false }
        u = u.dropFirst(whole.count)
        if u.isEmpty { return true }
        guard fraction, u.first == 0x2E else { return false }
        u = u.dropFirst()
        return !u.isEmpty && u.allSatisfy(isDigit)
    }
}
