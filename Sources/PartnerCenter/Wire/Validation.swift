import Foundation

/// Field checks run before any write; each failure is CBC.0100 naming the field.
public enum Check {
    /// A required month, `YYYY-MM`.
    public static func month(_ value: String?, _ field: String) throws -> String {
        let c = try Check.required(value, field, max: 10)
        guard c.count == 7, WireTime.parseUTC(c + "-01T00:00:00Z") != nil else { throw Refusal.parameter(field, "must be a month like 2026-01") }
        return c
    }

    /// Optional string: nil passes; otherwise its length (in characters) must be within `max`.
    public static func length(_ value: String?, _ field: String, max: Int, min: Int = 0) throws {
        guard let v = value else { return }
        if v.count > max { throw Refusal.parameter(field, "exceeds the maximum length \(max)") }
        if v.count < min { throw Refusal.parameter(field, "is shorter than the minimum length \(min)") }
    }

    public static func required(_ value: String?, _ field: String, max: Int) throws -> String {
        guard let v = value, !v.isEmpty else { throw Refusal.parameter(field, "is required") }
        try length(v, field, max: max)
        return v
    }

    public static func oneOf(_ value: String?, _ field: String, _ allowed: Set<String>) throws {
        guard let v = value else { return }
        if !allowed.contains(v) { throw Refusal.parameter(field, "must be one of \(allowed.sorted().joined(separator: ", "))") }
    }

    public static func range(_ value: Int?, _ field: String, _ range: ClosedRange<Int>) throws {
        guard let v = value else { return }
        if !range.contains(v) { throw Refusal.parameter(field, "must be between \(range.lowerBound) and \(range.upperBound)") }
    }

    /// Fuzzy-match filters must not contain spaces (Huawei refuses them).
    public static func noSpaces(_ value: String?, _ field: String) throws {
        guard let v = value else { return }
        if v.contains(where: { $0.isWhitespace }) { throw Refusal.parameter(field, "must not contain spaces") }
    }

    /// UTC `yyyy-MM-ddTHH:mm:ssZ`; an empty string is refused where Huawei refuses it.
    public static func utcTime(_ value: String?, _ field: String) throws -> Int64? {
        guard let v = value else { return nil }
        guard let t = WireTime.parseUTC(v) else { throw Refusal.parameter(field, "must be a UTC time like 2019-05-06T08:05:01Z") }
        return t
    }

    /// The end of a window given to the second: it includes that whole second.
    public static func utcTimeEnd(_ value: String?, _ field: String) throws -> Int64? {
        try utcTime(value, field).map { $0 + 999 }
    }

    /// "" and nil both mean "no filter" for most optional query strings.
    public static func nonEmpty(_ value: String?) -> String? {
        guard let v = value, !v.isEmpty else { return nil }
        return v
    }
}

/// Offset/limit paging with an operation's own defaults and maxima.
public struct Page: Sendable, Equatable {
    public var offset: Int
    public var limit: Int

    public init(offset: Int?, limit: Int?, defaultLimit: Int = 10, maxLimit: Int = 100, maxOffset: Int = 40_000_000, minLimit: Int = 1) throws {
        try Check.range(offset, "offset", 0...maxOffset)
        try Check.range(limit, "limit", minLimit...maxLimit)
        self.offset = offset ?? 0
        self.limit = limit ?? defaultLimit
    }
}

/// Escapes a user filter for a SQL `LIKE ... ESCAPE '\'` infix match.
public func likeInfix(_ s: String) -> String {
    var out = "%"
    for c in s {
        if c == "%" || c == "_" || c == "\\" { out.append("\\") }
        out.append(c)
    }
    return out + "%"
}

/// A request body checked once, at the edge: `Body` is the JSON as the SDK sends it, and
/// `init(_:)` applies every rule of form (lengths, formats, enumerations, in the order Huawei
/// reports them), so a store receives only well-formed input and checks only what needs
/// storage (ownership, balances, uniqueness).
public protocol CheckedRequest: Sendable {
    associatedtype Body: Decodable
    init(_ body: Body) throws
}

extension Call {
    /// Decodes the body as `R.Body` and checks it into `R`.
    public func checked<R: CheckedRequest>(_ type: R.Type) throws -> R {
        try R(json(R.Body.self))
    }
}

/// A check whose refusal must wait: Huawei reports it only after a rule that needs storage
/// (the business clock, the caller's scope), so the edge keeps its outcome and the store
/// raises it at that point with `get()`.
public struct Deferred<T: Sendable>: Sendable {
    private let result: Result<T, Refusal>

    public init(_ make: () throws -> T) throws {
        do { result = .success(try make()) } catch let e as Refusal { result = .failure(e) }
    }

    public func get() throws -> T { try result.get() }
}
