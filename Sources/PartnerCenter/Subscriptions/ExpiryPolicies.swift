import Foundation
import SQLKit

extension OrderStore {
    /// The caller's yearly/monthly resource and the whole group it moves with (its main
    /// resource and that one's attached resources), locked.
    static func group(_ db: any SQLDatabase, backend: Database.Backend, customerID: String, resourceID: String) async throws -> (main: any SQLRow, ids: [String])? {
        guard let r = try await db.raw("""
            SELECT * FROM customer_resources WHERE resource_id = \(bind: resourceID) AND customer_id = \(bind: customerID) AND charge_mode = 'period'
              AND status <> 3\(backend.forUpdate)
            """).first() else { return nil }
        let mainID = try r.decode(column: "parent_resource_id", as: String?.self) ?? resourceID
        guard let main = try await db.raw("SELECT * FROM customer_resources WHERE resource_id = \(bind: mainID)\(backend.forUpdate)").first() else { return nil }
        let attached = try await db.raw("""
            SELECT resource_id FROM customer_resources WHERE parent_resource_id = \(bind: mainID) AND charge_mode = 'period' AND status <> 3 ORDER BY resource_id
            """).all().map { try $0.decode(column: "resource_id", as: String.self) }
        return (main, [mainID] + attached)
    }

    static let unknownResource = Refusal(.unknownResource, "The resource ID does not exist.")

    /// AutoRenewalResources: the resource's group renews itself before expiry (policy 3);
    /// no order now. Calling it again changes only the count or the period.
    public func enableAutoRenewal(caller: Principal, _ a: AutoRenewal) async throws {
        let backend = database.backend
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            guard let (main, ids) = try await Self.group(db, backend: backend, customerID: caller.domainID, resourceID: a.resourceID) else {
                throw Self.unknownResource
            }
            let expires = try main.decode(column: "expires_at", as: Int64?.self) ?? 0
            guard try main.decode(column: "status", as: Int.self) == 2, expires > now else {
                throw Refusal(.resourceExpiredOrFrozen, "The resource has expired or is frozen; auto-renewal cannot be set.")
            }
            let already = try main.decode(column: "expire_policy", as: Int.self) == 3
            // 0 and nil mean unlimited, except that nil leaves an existing count alone.
            let storedLeft = try main.decode(column: "auto_renew_left", as: Int?.self)
            let storedPeriod = try main.decode(column: "auto_renew_period", as: Int?.self)
            let storedNext = try main.decode(column: "next_renewal_at", as: Int64?.self)
            let left: Int? = a.times.map { $0 == 0 ? nil : $0 } ?? (already ? storedLeft : nil)
            let period = a.periodType ?? (already ? storedPeriod : nil)
            let days = try await RenewalConfig.of(db, customerID: caller.domainID).deductionDays
            let first = ResourceBook.renewalAttempt(expiresAt: expires, now: now, daysBefore: days)
            try await ResourceBook.setPolicy(db, resourceIDs: ids, policy: 3, nextRenewal: already ? (storedNext ?? first) : first,
                                             renewalsLeft: left, period: period, now: now)
        }
    }

    /// CancelAutoRenewalResources: back to the grace period at expiry (policy 0); idempotent.
    public func cancelAutoRenewal(caller: Principal, resourceID: String) async throws {
        let id = try Check.required(resourceID, "resource_id", max: 64)
        let backend = database.backend
        try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            guard let (main, ids) = try await Self.group(db, backend: backend, customerID: caller.domainID, resourceID: id) else { throw Self.unknownResource }
            guard try main.decode(column: "expire_policy", as: Int.self) == 3 else { return }
            try await ResourceBook.setPolicy(db, resourceIDs: ids, policy: 0, nextRenewal: nil, renewalsLeft: nil, period: nil, now: now)
        }
    }
}

extension OrderStore {
    /// UpdatePeriodToOnDemand: each resource's group is billed by usage from its expiry
    /// (policy 1), or goes back to the grace period (policy 0). A resource in its grace or
    /// retention period, or unknown, is reported and the others are set.
    public func toOnDemandAtExpiry(caller: Principal, _ r: ToOnDemandAtExpiry) async throws -> PeriodToOnDemandResponse {
        let backend = database.backend
        let failures: [ErrorDetail] = try await database.transaction { db in
            let now = try await BusinessClock.now(db)
            var failures: [ErrorDetail] = []
            for id in r.resourceIDs {
                guard let (main, ids) = try await Self.group(db, backend: backend, customerID: caller.domainID, resourceID: id) else {
                    failures.append(ErrorDetail(id, Self.unknownResource)); continue
                }
                let policy = try main.decode(column: "expire_policy", as: Int.self)
                if r.setUp {
                    let expires = try main.decode(column: "expires_at", as: Int64?.self) ?? 0
                    guard try main.decode(column: "status", as: Int.self) == 2, expires > now else {
                        failures.append(ErrorDetail(id, Refusal(.inGraceOrRetention, "Resources in the grace or retention period cannot switch to pay-per-use."))); continue
                    }
                    try await ResourceBook.setPolicy(db, resourceIDs: ids, policy: 1, nextRenewal: nil, renewalsLeft: nil, period: nil, now: now)
                } else if policy == 1 {
                    try await ResourceBook.setPolicy(db, resourceIDs: ids, policy: 0, nextRenewal: nil, renewalsLeft: nil, period: nil, now: now)
                }
            }
            return failures
        }
        return PeriodToOnDemandResponse(errorDetails: failures)
    }
}
