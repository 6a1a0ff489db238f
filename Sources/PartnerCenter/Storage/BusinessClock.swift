import Foundation
import SQLKit

/// The deployment's business clock: real time plus an offset kept in the database, so
/// every instance agrees. It drives rating times, billing cycles and the expiry of
/// coupons, quotas and subscriptions; signature and token checks use the real clock.
public enum BusinessClock {
    /// Business "now", read through the caller's connection (usable inside a transaction).
    public static func now(_ db: any SQLDatabase) async throws -> Int64 {
        WireTime.nowMillis() + (try await offset(db))
    }

    public static func offset(_ db: any SQLDatabase) async throws -> Int64 {
        guard let text = try await Settings.value(db, .clockOffset) else { return 0 }
        return Int64(text) ?? 0
    }

    static func store(_ db: any SQLDatabase, offset: Int64) async throws {
        try await Settings.set(db, .clockOffset, to: String(offset))
    }

    /// `90m`, `36h`, `3d`, `2w`, `45s` (a leading `-` goes back).
    public static func parseDuration(_ text: String) -> Int64? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var sign: Int64 = 1
        if s.hasPrefix("-") { sign = -1; s = s.dropFirst() }
        guard let unit = s.last, let n = Int64(s.dropLast()), n >= 0 else { return nil }
        let ms: Int64
        switch unit {
        case "s": ms = 1000
        case "m": ms = 60_000
        case "h": ms = 3_600_000
        case "d": ms = 86_400_000
        case "w": ms = 7 * 86_400_000
        default: return nil
        }
        let (v, o) = n.multipliedReportingOverflow(by: ms)
        return o ? nil : sign * v
    }
}

extension Database {
    /// Business "now" (not for use inside one of this database's transactions: pass the
    /// transaction's handle to `BusinessClock.now` there).
    public func businessNow() async throws -> Int64 {
        try await read { try await BusinessClock.now($0) }
    }

    /// `given` when there is one, else business "now".
    public func businessNow(or given: Int64?) async throws -> Int64 {
        if let given { return given }
        return try await businessNow()
    }

    public struct ClockState: Codable, Sendable {
        public var now: String
        public var realTime: String
        public var offsetSeconds: Int64
        public var followsRealTime: Bool
        enum CodingKeys: String, CodingKey { case now, realTime = "real_time", offsetSeconds = "offset_seconds", followsRealTime = "follows_real_time" }
    }

    public func clockState() async throws -> ClockState {
        let offset = try await read { try await BusinessClock.offset($0) }
        let real = WireTime.nowMillis()
        return ClockState(now: WireTime.utc(real + offset), realTime: WireTime.utc(real), offsetSeconds: offset / 1000, followsRealTime: offset == 0)
    }

    /// Sets the clock to `time` (it then runs on from there), moves it, or resets it to real time.
    public func setClock(to time: Int64? = nil, advance: Int64? = nil, reset: Bool = false) async throws -> ClockState {
        try await transaction { db in
            if reset {
                try await BusinessClock.store(db, offset: 0)
            } else if let time {
                try await BusinessClock.store(db, offset: time - WireTime.nowMillis())
            } else if let advance {
                try await BusinessClock.store(db, offset: try await BusinessClock.offset(db) + advance)
            }
        }
        return try await clockState()
    }
}
