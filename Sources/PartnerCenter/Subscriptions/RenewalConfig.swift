import Foundation
import SQLKit

/// A customer's renewal settings (SetResourcesRenewConfig): the auto-renewal deduction day
/// and the unified expiry day. The one writer of `renewal_configs`.
///
/// - **Deduction day** (`DEDUCTION_DATE`, 2–7): auto-renewals are charged at 03:00 (UTC+8)
///   that many days before expiry (Huawei's default: 7).
/// - **Unified expiry day** (`EXPIRE_DATE`, 1–28 or -1 for the month's last day): a renewal
///   placed afterwards ends on that day of the month instead (at 23:59:59 Beijing time).
///   The period is only ever lengthened, up to the first such day at or after its natural
///   end, and the line's price grows pro rata to the time it covers (half-up to the fen).
enum RenewalConfig {
    static let defaultDeductionDays = 7

    struct Values: Sendable, Equatable {
        var deductionDays = RenewalConfig.defaultDeductionDays
        /// 1–28, -1 the last day of the month; nil: periods end where they fall.
        var expireDay: Int?
    }

    static func of(_ db: any SQLDatabase, customerID: String) async throws -> Values {
        guard let row = try await db.raw("SELECT deduction_days, expire_day FROM renewal_configs WHERE customer_id = \(bind: customerID)").first() else {
            return Values()
        }
        return Values(deductionDays: try row.decode(column: "deduction_days", as: Int?.self) ?? defaultDeductionDays,
                      expireDay: try row.decode(column: "expire_day", as: Int?.self))
    }

    /// Stores one setting; the other keeps its value.
    static func set(_ db: any SQLDatabase, customerID: String, _ setting: RenewConfigChange.Setting, now: Int64) async throws {
        let (days, day): (Int?, Int?)
        let update: SQLQueryString
        switch setting {
        case .deductionDays(let d):
            precondition((2...7).contains(d), "a deduction day is 2 to 7 days before expiry")
            (days, day) = (d, nil)
            update = "deduction_days = excluded.deduction_days"
        case .expireDay(let d):
            precondition((1...28).contains(d) || d == -1, "a unified expiry day is 1 to 28, or -1")
            (days, day) = (nil, d)
            update = "expire_day = excluded.expire_day"
        }
        try await db.raw("""
            INSERT INTO renewal_configs (customer_id, deduction_days, expire_day, updated_at) VALUES (\(bind: customerID), \(bind: days), \(bind: day), \(bind: now))
            ON CONFLICT (customer_id) DO UPDATE SET \(update), updated_at = excluded.updated_at
            """).run()
    }

    /// Where a renewal period that would end at `natural` ends under the unified expiry day
    /// `day`: 23:59:59 (UTC+8) of the first such day on or after `natural`'s day.
    static func aligned(_ natural: Int64, to day: Int?) -> Int64 {
        guard let day else { return natural }
        var (y, m, d) = WireTime.beijingDate(natural)
        func last(_ y: Int, _ m: Int) -> Int {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        }
        let target = { (y: Int, m: Int) in day == -1 ? last(y, m) : day }
        if d > target(y, m) {
            m += 1
            if m == 13 { (y, m) = (y + 1, 1) }
        }
        d = target(y, m)
        let end = WireTime.fromParts(y, m, d, 23, 59, 59)! - WireTime.beijingOffset
        assert(end >= natural - 86_399_000, "an aligned period never ends before its natural last day")
        return max(end, natural)
    }

    /// A line's price for a period lengthened from `natural` to `aligned`: pro rata to the
    /// time covered, half-up to the fen.
    static func price(_ official: Int64, start: Int64, natural: Int64, aligned: Int64) throws -> Int64 {
        guard aligned != natural, natural > start else { return official }
        let share = Decimal(aligned - start) / Decimal(natural - start)
        return try Units.from(Money.roundedHalfUp(Units.decimal(official) * share, scale: 2))
    }
}

extension OrderStore {
    /// SetResourcesRenewConfig. A new deduction day moves the next attempt of every
    /// auto-renewing resource of the customer still in use; a unified expiry day applies to
    /// renewals placed from now on.
    public func setRenewConfig(caller: Principal, _ change: RenewConfigChange) async throws {
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            try await RenewalConfig.set(db, customerID: caller.domainID, change.setting, now: now)
            guard case .deductionDays(let days) = change.setting else { return }
            let mains = try await db.raw("""
                SELECT resource_id, expires_at, auto_renew_left FROM customer_resources
                WHERE customer_id = \(bind: caller.domainID) AND charge_mode = 'period' AND is_main = 1 AND expire_policy = 3 AND status = 2
                  AND expires_at > \(bind: now) AND next_renewal_at IS NOT NULL ORDER BY resource_id
                """).all()
            for main in mains {
                let id = try main.decode(column: "resource_id", as: String.self)
                let expires = try main.decode(column: "expires_at", as: Int64.self)
                let attached = try await db.raw("""
                    SELECT resource_id FROM customer_resources WHERE parent_resource_id = \(bind: id) AND charge_mode = 'period' AND status IN (2, 4, 5)
                    """).all().map { try $0.decode(column: "resource_id", as: String.self) }
                try await ResourceBook.scheduleRenewal(db, resourceIDs: [id] + attached,
                                                       next: ResourceBook.renewalAttempt(expiresAt: expires, now: now, daysBefore: days),
                                                       renewalsLeft: try main.decode(column: "auto_renew_left", as: Int?.self), now: now)
            }
        }
    }
}
