import Foundation
import SQLKit

/// What one run of the lifecycle did.
public struct LifecycleReport: Codable, Sendable, Equatable {
    /// Auto-renewal orders placed and paid.
    public var renewed = 0
    /// Auto-renewal attempts that found too little money (retried the next day).
    public var renewalsFailed = 0
    /// Resources that reached their expiry and entered the grace period.
    public var expired = 0
    /// Resources whose grace period ended (frozen, in retention).
    public var frozen = 0
    /// Resources released at the end of retention.
    public var released = 0
    /// Resources that became pay-per-use at expiry (policy 1).
    public var converted = 0

    public init() {}

    public var total: Int { renewed + renewalsFailed + expired + frozen + released + converted }

    enum CodingKeys: String, CodingKey {
        case renewed, renewalsFailed = "renewals_failed", expired, frozen, released, converted
    }
}

/// The yearly/monthly lifecycle on the business clock: what Huawei's back end does when a
/// due moment passes, done here in time order and once.
///
/// - **Auto-renewal** (policy 3): at 03:00 (UTC+8) seven days before expiry, a renewal order
///   for one period is placed by the system (source 8, "运营系统") and paid automatically
///   (the pre-selected discount, applicable coupons, cash, credit). Short of money, nothing
///   is recorded and it is tried again the next day, until retention ends. `auto_renew_times`
///   limits the count.
/// - **Expiry**: policy 1 converts the resource to pay-per-use; otherwise it enters the grace
///   period (status 5), is frozen when that ends (status 4, retention), and is released when
///   retention ends (status 3, its packages ended).
/// - Main and attached resources move together.
///
/// Events run at the moment they fell due, so their fees land in that day's bills, the
/// events of one moment in batches of `batch`, each batch one transaction; every event
/// re-checks its resource's state under lock first, so two instances sweeping at once do
/// each event once. Renewals are written in bulk (`BulkRenewal`): the same rules, a few
/// statements per table and batch.
public struct Lifecycle: Sendable {
    public let database: Database
    /// Days of grace after expiry, then of retention (Huawei's China site, customer level V5:
    /// 7 and 15; configurable per deployment).
    public var graceDays: Int
    public var retentionDays: Int

    public static let defaultGraceDays = 7, defaultRetentionDays = 15

    public init(database: Database, graceDays: Int = Lifecycle.defaultGraceDays, retentionDays: Int = Lifecycle.defaultRetentionDays) {
        self.database = database
        self.graceDays = graceDays
        self.retentionDays = retentionDays
    }

    /// The lifecycle as this deployment runs it: the grace and retention days the last
    /// started server recorded (`serve --grace-days --retention-days`), else the defaults.
    public static func configured(_ database: Database) async throws -> Lifecycle {
        let (g, r) = try await database.read { db in
            (try await Settings.value(db, .graceDays).flatMap { Int($0) }, try await Settings.value(db, .retentionDays).flatMap { Int($0) })
        }
        return Lifecycle(database: database, graceDays: g ?? defaultGraceDays, retentionDays: r ?? defaultRetentionDays)
    }

    /// Records this deployment's grace and retention days for every instance and the CLI.
    public static func record(_ database: Database, graceDays: Int, retentionDays: Int) async throws {
        try await database.transaction { db in
            try await Settings.set(db, .graceDays, to: String(graceDays))
            try await Settings.set(db, .retentionDays, to: String(retentionDays))
        }
    }

    var grace: Int64 { Int64(graceDays) * WireTime.dayMillis }
    var retention: Int64 { Int64(retentionDays) * WireTime.dayMillis }

    enum Event: Int, Comparable {
        case renewal = 0, expiry, graceEnd, retentionEnd
        static func < (a: Event, b: Event) -> Bool { a.rawValue < b.rawValue }
    }

    /// The earliest due moment of each kind, up to `now`.
    func nextDue(_ db: any SQLDatabase, now: Int64) async throws -> (at: Int64, event: Event)? {
        let g = grace, r = retention
        let row = try await db.raw("""
            SELECT
              (SELECT MIN(next_renewal_at) FROM customer_resources WHERE charge_mode = 'period' AND is_main = 1 AND expire_policy = 3
                 AND status IN (2, 4, 5) AND next_renewal_at <= \(bind: now)) AS renewal,
              (SELECT MIN(expires_at) FROM customer_resources WHERE charge_mode = 'period' AND is_main = 1 AND status = 2
                 AND expires_at <= \(bind: now)) AS expiry,
              (SELECT MIN(expires_at) + \(bind: g) FROM customer_resources WHERE charge_mode = 'period' AND is_main = 1 AND status = 5
                 AND expires_at + \(bind: g) <= \(bind: now)) AS grace_end,
              (SELECT MIN(expires_at) + \(bind: g + r) FROM customer_resources WHERE charge_mode = 'period' AND is_main = 1 AND status = 4
                 AND expires_at + \(bind: g + r) <= \(bind: now)) AS retention_end
            """).first()!
        var due: [(Int64, Event)] = []
        for (column, event) in [("renewal", Event.renewal), ("expiry", .expiry), ("grace_end", .graceEnd), ("retention_end", .retentionEnd)] {
            if let t = try row.decode(column: column, as: Int64?.self) { due.append((t, event)) }
        }
        return due.min { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.map { (at: $0.0, event: $0.1) }
    }

    /// Runs every event due up to the business clock's now (or `until`), in time order.
    /// `progress` hears how many events are done so far.
    public func run(until given: Int64? = nil, progress: (@Sendable (Int) -> Void)? = nil) async throws -> LifecycleReport {
        let now = try await database.businessNow(or: given)
        var report = LifecycleReport()
        while let next = try await database.read({ db in try await self.nextDue(db, now: now) }) {
            let (at, event) = (next.at, next.event)
            let before = report.total
            let mains = try await database.read { db in try await self.mainsDue(db, event: event, at: at) }
            // Events of one moment go in batches, each one transaction (one commit, one
            // fsync); every event in it re-checks its resource under lock first.
            for start in stride(from: 0, to: mains.count, by: Self.batch) {
                try await handle(event, resourceIDs: Array(mains[start..<min(start + Self.batch, mains.count)]), at: at, report: &report)
            }
            progress?(report.total)
            // A due moment whose resources another instance took moves nothing here: that
            // instance goes on from there.
            if report.total == before { break }
        }
        return report
    }

    func mainsDue(_ db: any SQLDatabase, event: Event, at: Int64) async throws -> [String] {
        let g = grace, r = retention
        let filter: SQLQueryString
        switch event {
        case .renewal: filter = "expire_policy = 3 AND status IN (2, 4, 5) AND next_renewal_at = \(bind: at)"
        case .expiry: filter = "status = 2 AND expires_at = \(bind: at)"
        case .graceEnd: filter = "status = 5 AND expires_at + \(bind: g) = \(bind: at)"
        case .retentionEnd: filter = "status = 4 AND expires_at + \(bind: g + r) = \(bind: at)"
        }
        return try await db.raw("SELECT resource_id FROM customer_resources WHERE charge_mode = 'period' AND is_main = 1 AND \(filter) ORDER BY resource_id")
            .all().map { try $0.decode(column: "resource_id", as: String.self) }
    }

    /// Events handled in one transaction.
    static let batch = 1000

    enum Outcome: Sendable { case none, renewed, renewalFailed, expired, frozen, released, converted }

    /// One event for each of these main resources (and their attached ones), in one transaction.
    func handle(_ event: Event, resourceIDs: [String], at: Int64, report: inout LifecycleReport) async throws {
        let backend = database.backend
        let (g, r) = (grace, retention)
        let outcomes: [Outcome] = try await database.transaction { db in
            // Renewals are written in bulk (the same rules, a few statements per table).
            if event == .renewal { return try await BulkRenewal.run(db, backend: backend, resourceIDs: resourceIDs, at: at, grace: g, retention: r) }
            var out: [Outcome] = []
            for id in resourceIDs { out.append(try await Self.apply(db, backend: backend, event, resourceID: id, at: at, grace: g, retention: r)) }
            return out
        }
        for outcome in outcomes {
            switch outcome {
            case .none: break
            case .renewed: report.renewed += 1
            case .renewalFailed: report.renewalsFailed += 1
            case .expired: report.expired += 1
            case .frozen: report.frozen += 1
            case .released: report.released += 1
            case .converted: report.converted += 1
            }
        }
    }

    /// One event for one main resource and its attached ones, in the caller's transaction.
    static func apply(_ db: any SQLDatabase, backend: Database.Backend, _ event: Event, resourceID: String, at: Int64,
                      grace g: Int64, retention r: Int64) async throws -> Outcome {
        do {
            guard let main = try await db.raw("SELECT * FROM customer_resources WHERE resource_id = \(bind: resourceID)\(backend.forUpdate)").first() else { return .none }
            let status = try main.decode(column: "status", as: Int.self)
            let expires = try main.decode(column: "expires_at", as: Int64?.self) ?? 0
            let policy = try main.decode(column: "expire_policy", as: Int.self)
            guard try main.decode(column: "charge_mode", as: String.self) == "period" else { return .none }
            let attached = try await db.raw("""
                SELECT resource_id FROM customer_resources WHERE parent_resource_id = \(bind: resourceID) AND charge_mode = 'period' AND status IN (2, 4, 5)
                """).all().map { try $0.decode(column: "resource_id", as: String.self) }
            let all = [resourceID] + attached
            switch event {
            case .renewal:
                guard policy == 3, [2, 4, 5].contains(status), try main.decode(column: "next_renewal_at", as: Int64?.self) == at else { return .none }
                let customer = try main.decode(column: "customer_id", as: String.self)
                let left = try main.decode(column: "auto_renew_left", as: Int?.self)
                let periodType = try main.decode(column: "auto_renew_period", as: Int?.self) ?? (try main.decode(column: "period_type", as: Int?.self)) ?? 2
                let retentionEnds = expires + g + r
                // The whole attempt is a savepoint of its own: short of money, nothing of it stays.
                let renewed = try await Self.attemptRenewal(db, backend: backend, customerID: customer, resourceID: resourceID,
                                                            periodType: periodType == 3 ? 3 : 2, at: at)
                if renewed {
                    let newExpiry = try await db.raw("SELECT expires_at FROM customer_resources WHERE resource_id = \(bind: resourceID)").first()!
                        .decode(column: "expires_at", as: Int64.self)
                    let remaining = left.map { $0 - 1 }
                    let days = try await RenewalConfig.of(db, customerID: customer).deductionDays
                    let next: Int64? = remaining == 0 ? nil : ResourceBook.renewalAttempt(expiresAt: newExpiry, now: at + 1, daysBefore: days)
                    try await ResourceBook.scheduleRenewal(db, resourceIDs: all, next: next, renewalsLeft: remaining, now: at)
                    return .renewed
                }
                let tomorrow = at + WireTime.dayMillis
                try await ResourceBook.scheduleRenewal(db, resourceIDs: all, next: tomorrow < retentionEnds ? tomorrow : nil, renewalsLeft: left, now: at)
                return .renewalFailed
            case .expiry:
                guard status == 2, expires == at else { return .none }
                if policy == 1 {
                    try await ResourceBook.convertToOnDemand(db, resourceIDs: all, now: at)
                    return .converted
                }
                try await ResourceBook.setStatus(db, resourceIDs: all, .expired, now: at)
                return .expired
            case .graceEnd:
                guard status == 5, expires + g == at else { return .none }
                try await ResourceBook.setStatus(db, resourceIDs: all, .frozen, now: at)
                return .frozen
            case .retentionEnd:
                guard status == 4, expires + g + r == at else { return .none }
                try await ResourceBook.setStatus(db, resourceIDs: all, .closed, now: at)
                for id in all { try await BillingStore.endPackages(db, ofResource: id) }
                return .released
            }
        }
    }

    /// Places and pays one auto-renewal order at `at`, or, short of money or blocked by a
    /// pending order, leaves nothing behind and answers false.
    static func attemptRenewal(_ db: any SQLDatabase, backend: Database.Backend, customerID: String, resourceID: String, periodType: Int, at: Int64) async throws -> Bool {
        try await db.raw("SAVEPOINT auto_renewal").run()
        do {
            let placed = try await OrderStore.placeRenewal(db, customerID: customerID, resourceIDs: [resourceID], periodType: periodType, periodNum: 1,
                                                           source: 8, userName: "运营系统", now: at)
            try await OrderStore.payAutomatically(db, backend: backend, customerID: customerID, orderID: placed.orderID, now: at)
            try await db.raw("RELEASE SAVEPOINT auto_renewal").run()
            return true
        } catch let e as Refusal where [.insufficientBalance, .resourceInPendingOrder, .renewalPeriodUnavailable, .resourceNotRenewable].contains(e.rule) {
            try await db.raw("ROLLBACK TO SAVEPOINT auto_renewal").run()
            try await db.raw("RELEASE SAVEPOINT auto_renewal").run()
            return false
        }
    }
}

/// The business clock after a move, with what the lifecycle did on the way (`admin clock
/// set|advance --json`, POST /operator/v1/clock): the clock's keys plus `lifecycle`.
public struct ClockMove: Codable, Sendable {
    public var clock: Database.ClockState
    public var lifecycle: LifecycleReport

    enum Extra: String, CodingKey { case lifecycle }

    public init(clock: Database.ClockState, lifecycle: LifecycleReport) { (self.clock, self.lifecycle) = (clock, lifecycle) }

    public init(from decoder: any Decoder) throws {
        clock = try Database.ClockState(from: decoder)
        lifecycle = try decoder.container(keyedBy: Extra.self).decode(LifecycleReport.self, forKey: .lifecycle)
    }

    public func encode(to encoder: any Encoder) throws {
        try clock.encode(to: encoder)
        var c = encoder.container(keyedBy: Extra.self)
        try c.encode(lifecycle, forKey: .lifecycle)
    }
}
