import Foundation
import SQLKit

/// The resource book: the one writer of `customer_resources`, a customer's inventory of
/// yearly/monthly and pay-per-use resources. Provisioning, renewals, unsubscriptions and
/// the usage import (a pay-per-use resource seen for the first time) all write here.
///
/// New resources are gathered and written many to a statement (a single provision is a
/// book of one); changes to existing ones are single statements in the caller's
/// transaction. Like the fee book, a book lives inside one `Database.transaction`.
///
/// Invariants, asserted where a row is written:
/// - an attached resource names its main resource; a main resource names none;
/// - a yearly/monthly resource has an expiry; a pay-per-use one has none.
final class ResourceBook {
    /// Resource statuses as Huawei's APIs show them.
    enum Status: Int { case inUse = 2, closed = 3, frozen = 4, expired = 5 }

    struct NewResource: Sendable {
        var id: String = Identifiers.domainID()
        var resourceID: String
        var customerID: String
        var name: String
        var region: String
        var serviceType: String
        var resourceType: String
        var spec: String
        var projectID: String = "0"
        var productID: String
        var parentResourceID: String? = nil
        var isMain: Bool = true
        /// "period" (yearly/monthly) or "on_demand".
        var chargeMode: String
        var status: Status = .inUse
        var periodType: Int? = nil
        var periodNum: Int? = nil
        var effectiveAt: Int64
        var expiresAt: Int64? = nil
        var expirePolicy: Int = 0
        var specSize: Int? = nil
        var specSizeMeasureID: Int? = nil
        var orderID: String? = nil
        /// For auto-renewing resources: how many days before expiry renewal is charged
        /// (the customer's deduction day).
        var renewalDeductionDays: Int = RenewalConfig.defaultDeductionDays
        var now: Int64
    }

    static let columns = [
        "id", "resource_id", "customer_id", "resource_name", "region", "service_type", "resource_type", "resource_spec", "project_id",
        "product_id", "parent_resource_id", "is_main", "charge_mode", "status", "period_type", "period_num", "effective_at", "expires_at",
        "expire_policy", "spec_size", "spec_size_measure_id", "order_id", "created_at", "updated_at", "next_renewal_at"]

    private var rows: BulkInsert
    private(set) var added = 0

    init(chain: WriteChain? = nil) {
        rows = BulkInsert("customer_resources", chain: chain, columns: Self.columns)
    }

    func add(_ db: any SQLDatabase, _ r: NewResource) async throws {
        precondition(r.isMain == (r.parentResourceID == nil), "an attached resource names its main resource, a main one none")
        if r.chargeMode == "period" {
            precondition(r.expiresAt != nil, "a yearly/monthly resource has an expiry")
        } else {
            precondition(r.expiresAt == nil, "a pay-per-use resource does not expire")
        }
        try await rows.add(db, [.text(r.id), .text(r.resourceID), .text(r.customerID), .text(r.name), .text(r.region), .text(r.serviceType),
                                .text(r.resourceType), .text(r.spec), .text(r.projectID), .text(r.productID), .text(r.parentResourceID),
                                .int(r.isMain ? 1 : 0), .text(r.chargeMode), .int(r.status.rawValue), .int(r.periodType), .int(r.periodNum),
                                .int(r.effectiveAt), .int(r.expiresAt), .int(r.expirePolicy), .int(r.specSize), .int(r.specSizeMeasureID),
                                .text(r.orderID), .int(r.now), .int(r.now), .int(r.expirePolicy == 3 ? r.expiresAt.map { Self.renewalAttempt(expiresAt: $0, now: r.now, daysBefore: r.renewalDeductionDays) } : nil)])
        added += 1
    }

    func finish(_ db: any SQLDatabase) async throws {
        try await rows.flush(db)
        assert(rows.written == added, "every added resource was written")
    }

    /// A renewal: the resource is in use until `expiresAt`, renewed by periods of `periodType`.
    static func extend(_ db: any SQLDatabase, resourceID: String, expiresAt: Int64, periodType: Int, now: Int64) async throws {
        try await db.raw("""
            UPDATE customer_resources SET expires_at = \(bind: expiresAt), status = \(bind: Status.inUse.rawValue), period_type = \(bind: periodType),
                updated_at = \(bind: now) WHERE resource_id = \(bind: resourceID)
            """).run()
    }

    /// Many paid renewals at once: each set of resources is in use until its new expiry,
    /// renewed by periods of its type, with its next auto-renewal attempt and count left
    /// (what `extend` and then `scheduleRenewal` leave, in one write of each row); one
    /// statement per distinct value (and 500 resources).
    static func renewAll(_ db: any SQLDatabase, _ renewals: [(ids: [String], expires: Int64, periodType: Int, next: Int64?, left: Int?)],
                         now: Int64) async throws {
        struct Key: Hashable { var expires: Int64, periodType: Int, next: Int64?, left: Int? }
        var byValue: [Key: [String]] = [:]
        for r in renewals { byValue[Key(expires: r.expires, periodType: r.periodType, next: r.next, left: r.left), default: []] += r.ids }
        for (key, ids) in byValue {
            let policy: SQLQueryString = key.next == nil ? ", expire_policy = 0, auto_renew_period = NULL" : ""
            for chunk in ids.chunked() {
                try await db.raw("""
                    UPDATE customer_resources SET expires_at = \(bind: key.expires), status = \(bind: Status.inUse.rawValue), period_type = \(bind: key.periodType),
                        next_renewal_at = \(bind: key.next), auto_renew_left = \(bind: key.left)\(policy), updated_at = \(bind: now)
                    WHERE resource_id IN (\(binds: chunk))
                    """).run()
            }
        }
    }

    /// Many auto-renewal attempts' outcomes at once (`scheduleRenewal` for each set), one
    /// statement per distinct next attempt and count left (and 500 resources).
    static func scheduleAll(_ db: any SQLDatabase, _ schedules: [(ids: [String], next: Int64?, left: Int?)], now: Int64) async throws {
        struct Key: Hashable { var next: Int64?, left: Int? }
        var byValue: [Key: [String]] = [:]
        for s in schedules { byValue[Key(next: s.next, left: s.left), default: []] += s.ids }
        for (key, ids) in byValue {
            for chunk in ids.chunked() {
                try await scheduleRenewal(db, resourceIDs: chunk, next: key.next, renewalsLeft: key.left, now: now)
            }
        }
    }

    // MARK: the lifecycle

    /// When an auto-renewal of a resource expiring at `expiresAt` is first attempted: 03:00
    /// (UTC+8) `daysBefore` days before the day it expires (the customer's deduction day,
    /// Huawei's default 7), or now when that has passed.
    static func renewalAttempt(expiresAt: Int64, now: Int64, daysBefore: Int = RenewalConfig.defaultDeductionDays) -> Int64 {
        precondition((1...7).contains(daysBefore), "renewal is charged 1 to 7 days before expiry")
        let beijingDay = (expiresAt + WireTime.beijingOffset) / WireTime.dayMillis
        let at = (beijingDay - Int64(daysBefore)) * WireTime.dayMillis + 3 * 3_600_000 - WireTime.beijingOffset
        return max(at, now)
    }

    /// The expiry policy (0 grace period, 1 to pay-per-use, 3 auto-renew) and, for
    /// auto-renewal, its next attempt, count left (nil: unlimited) and period.
    static func setPolicy(_ db: any SQLDatabase, resourceIDs: [String], policy: Int, nextRenewal: Int64?, renewalsLeft: Int?, period: Int?,
                          now: Int64) async throws {
        precondition(policy == 3 || nextRenewal == nil, "only auto-renewing resources have a renewal due")
        guard !resourceIDs.isEmpty else { return }
        try await db.raw("""
            UPDATE customer_resources SET expire_policy = \(bind: policy), next_renewal_at = \(bind: nextRenewal), auto_renew_left = \(bind: renewalsLeft),
                auto_renew_period = \(bind: period), updated_at = \(bind: now) WHERE resource_id IN (\(binds: resourceIDs))
            """).run()
    }

    /// After an auto-renewal attempt: the next one, and the count left. No next attempt ends
    /// auto-renewal (the policy returns to the grace period's).
    static func scheduleRenewal(_ db: any SQLDatabase, resourceIDs: [String], next: Int64?, renewalsLeft: Int?, now: Int64) async throws {
        guard !resourceIDs.isEmpty else { return }
        let policy: SQLQueryString = next == nil ? ", expire_policy = 0, auto_renew_period = NULL" : ""
        try await db.raw("""
            UPDATE customer_resources SET next_renewal_at = \(bind: next), auto_renew_left = \(bind: renewalsLeft)\(policy), updated_at = \(bind: now)
            WHERE resource_id IN (\(binds: resourceIDs))
            """).run()
    }

    /// Expiry, the end of the grace period (frozen) and of retention (released, status closed).
    static func setStatus(_ db: any SQLDatabase, resourceIDs: [String], _ status: Status, now: Int64) async throws {
        guard !resourceIDs.isEmpty else { return }
        let ends: SQLQueryString = status == .closed ? ", next_renewal_at = NULL" : ""
        try await db.raw("""
            UPDATE customer_resources SET status = \(bind: status.rawValue)\(ends), updated_at = \(bind: now) WHERE resource_id IN (\(binds: resourceIDs))
            """).run()
    }

    /// Expiry with policy 1: the resource goes on, billed by usage from now (no expiry, no
    /// policy; its pay-per-use life starts at the switch).
    static func convertToOnDemand(_ db: any SQLDatabase, resourceIDs: [String], now: Int64) async throws {
        guard !resourceIDs.isEmpty else { return }
        try await db.raw("""
            UPDATE customer_resources SET charge_mode = 'on_demand', expires_at = NULL, expire_policy = 0, period_type = NULL, period_num = NULL,
                next_renewal_at = NULL, auto_renew_left = NULL, auto_renew_period = NULL, status = \(bind: Status.inUse.rawValue), effective_at = \(bind: now),
                updated_at = \(bind: now)
            WHERE resource_id IN (\(binds: resourceIDs))
            """).run()
    }

    /// An unsubscription: the resource is closed.
    static func close(_ db: any SQLDatabase, resourceID: String, now: Int64) async throws {
        try await db.raw("UPDATE customer_resources SET status = \(bind: Status.closed.rawValue), updated_at = \(bind: now) WHERE resource_id = \(bind: resourceID)").run()
    }
}
