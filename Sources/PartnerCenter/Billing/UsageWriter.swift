import Foundation
import SQLKit

/// The writing half of a usage import: each checked record becomes a fee record paid
/// from packages, coupons, cash and arrears; the fee record (its record_id and
/// content_hash) is also what marks the usage record imported.
/// Rows are written many to a statement and transfers through one ledger batch; all of it
/// inside the import's one transaction, so a failure anywhere leaves nothing behind.
final class UsageWriter {
    let backend: Database.Backend
    let cache: ImportCache
    let payments: Payments
    private var known: Set<String> = []
    /// Rows are written in the background while the next records are rated.
    private let chain = WriteChain()
    private let fees: FeeBook
    private let resources: ResourceBook
    private var samples: BulkInsert
    private static let sampleColumns = [
        "record_id", "content_hash", "customer_id", "bill_cycle", "service_type", "resource_type", "usage_type", "resource_id", "region",
        "stat_time", "mbps", "imported_at"]
    /// Fee and trade ids: a random stem per import and a counter, so ids are unique and
    /// each import's fee rows land side by side in the id index.
    private let stem = String(Identifiers.domainID().prefix(12))
    private var counter: UInt64 = 0

    init(backend: Database.Backend, cache: ImportCache) {
        self.backend = backend
        self.cache = cache
        self.payments = Payments(backend: backend, now: cache.now, chain: chain)
        // Stored, not lazy: a lazy property is copied out and back around each await,
        // and its row buffer with it.
        self.fees = FeeBook(chain: chain)
        self.resources = ResourceBook(chain: chain)
        self.samples = BulkInsert("usage_samples", chain: chain, columns: Self.sampleColumns)
    }

    private func nextID(_ prefix: String) -> String {
        counter += 1
        return prefix + stem + LedgerBatch.hex(counter, width: 12)
    }

    /// Reads what the records will touch in a few queries: which resources are in the
    /// inventory already, and every ledger account paying may move (locked in id order).
    func prepare(_ db: any SQLDatabase, resources: [String], customers: [String]) async throws {
        let ids = Array(Set(resources))
        for row in try await BulkLookup.rows(db, backend: backend, select: "t.resource_id", from: "customer_resources", key: "resource_id", in: ids) {
            known.insert(try row.decode(column: "resource_id", as: String.self))
        }
        try await payments.prepare(db, customers: customers)
    }

    /// Writes the fee record and pays it: packages, then coupons for the service, then cash, then arrears.
    func bill(_ db: any SQLDatabase, _ r: UsageRecord, _ fullRate: BillingStore.Rated, hash: String, converter: UnitConverter) async throws {
        let now = cache.now
        let begin = fullRate.begin, end = fullRate.end
        guard let partner = try await cache.partner(db, customer: r.customerID) else { preconditionFailure("a rated record's customer exists") }
        let feeID = nextID("FE")
        // Resource packages come first; only the usage they leave is priced.
        let covered = try await cache.mayHavePackages(db, customer: r.customerID)
            ? try await BillingStore.usePackages(db, backend: backend, r, converter: converter, feeID: feeID, now: now) : 0
        var rated = fullRate
        if covered > 0 {
            var rest = r
            rest.usageValue = r.usageValue - covered
            guard case .success(let partial) = try await BillingStore.rate(db, rest, converter: converter, cache: cache) else {
                preconditionFailure("a record that rated in full rates in part")
            }
            rated = partial
        }
        let (coupon, cash, debt) = try await payments.pay(db, customerID: r.customerID, partner: partner, service: r.cloudServiceType, amount: rated.consume)
        // A pay-per-use resource seen for the first time joins the customer's inventory.
        if known.insert(r.resourceID).inserted {
            let linear = rated.plan.isLinear
            try await resources.add(db, .init(
                resourceID: r.resourceID, customerID: r.customerID, name: r.resourceName ?? r.resourceID, region: r.region,
                serviceType: r.cloudServiceType, resourceType: r.resourceType, spec: r.resourceSpec, productID: rated.plan.productID,
                chargeMode: "on_demand", effectiveAt: begin, specSize: linear ? r.resourceSize : nil,
                specSizeMeasureID: linear ? rated.plan.sizeMeasureID : nil, now: now))
        }
        try await fees.add(db, FeeBook.Fee(
            id: feeID, customerID: r.customerID, partnerID: partner, cycle: BillingStore.cycle(begin), serviceType: r.cloudServiceType,
            resourceType: r.resourceType, region: r.region, resourceID: r.resourceID, resourceName: r.resourceName ?? r.resourceID,
            resourceSpec: r.resourceSpec, productID: rated.plan.productID, usageType: r.usageType, usageValue: Money.format(r.usageValue),
            usageMeasureID: r.usageMeasureID, chargingMode: 3, billType: 5, begin: begin, end: end, tradeTime: now, tradeID: nextID("TR"),
            official: rated.official, discount: rated.discount, truncated: rated.truncated, consume: rated.consume, cash: cash, coupon: coupon,
            debt: debt, recordID: r.recordID, freeUsage: covered > 0 ? Money.format(covered) : nil, freeMeasureID: covered > 0 ? r.usageMeasureID : nil,
            contentHash: hash))
    }

    /// A 95 bandwidth point, kept as a point: such usage is priced by the month.
    func sample(_ db: any SQLDatabase, _ r: UsageRecord, mbps: Decimal, hash: String) async throws {
        let begin = WireTime.parseUTC(r.beginTime)!
        try await samples.add(db, [.text(r.recordID), .text(hash), .text(r.customerID), .text(BillingStore.cycle(begin)), .text(r.cloudServiceType),
                                   .text(r.resourceType), .text(r.usageType), .text(r.resourceID), .text(r.region), .int(begin), .text(Money.format(mbps)),
                                   .int(cache.now)])
    }

    /// Writes what is still gathered: inventory, fees with their bill sums, points, and
    /// transfers with the accounts' balances.
    func finish(_ db: any SQLDatabase) async throws {
        try await resources.finish(db)
        try await fees.finish(db)
        try await samples.flush(db)
        try await payments.finish(db)
        try await chain.drain()
    }

    /// After a failure: waits for the statements still running (none may outlive the
    /// transaction) and gives the first of their failures, which is the cause to report
    /// (on PostgreSQL a failed insert makes every later statement fail as well).
    func abandon() async -> (any Error)? {
        do { try await chain.drain(); return nil } catch { return error }
    }
}
