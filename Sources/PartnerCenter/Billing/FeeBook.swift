import Foundation
import SQLKit

/// The fee book: the one writer of `fee_records` and of the daily and monthly sums they
/// feed (`bill_day_sums`, `bill_month_sums`). Usage import, subscription charges and
/// refunds all add their fees here, so a fee and its sums can never disagree.
///
/// Fees are gathered and written many to a statement; each sums key is added to storage
/// once, at `finish`. A single fee (a subscription's charge) is a book of one. Like the
/// ledger batch, a book lives inside one `Database.transaction` and is finished before it
/// commits.
///
/// Invariants, asserted where a fee is added:
/// - `official = discount + truncated + consume` (list price, less the partner's discount
///   and what was cut below a fen, is the amount due);
/// - `consume = coupon + cash + credit + debt` (the amount due is paid in full, by
///   something or as arrears);
/// - a fee's sums day is its trade time's Beijing day, and its cycle is the caller's.
final class FeeBook {
    /// One fee record as stored; amounts in ledger units (10⁻⁸ yuan).
    struct Fee: Sendable {
        var id: String
        var customerID: String
        var partnerID: String
        var cycle: String
        var serviceType: String
        var resourceType: String
        var region: String
        var resourceID: String
        var resourceName: String
        var resourceSpec: String
        var productID: String
        var usageType: String? = nil
        var usageValue: String? = nil
        var usageMeasureID: Int? = nil
        /// 1 yearly/monthly, 3 pay-per-use.
        var chargingMode: Int
        /// 1 purchase, 2 renewal, 4 refund, 5 usage.
        var billType: Int
        var begin: Int64
        var end: Int64
        var tradeTime: Int64
        var tradeID: String
        var official: Int64
        var discount: Int64
        var truncated: Int64 = 0
        var consume: Int64
        var cash: Int64
        var credit: Int64 = 0
        var coupon: Int64
        var debt: Int64
        /// The usage record a usage fee rates (unique: a record is rated once).
        var recordID: String? = nil
        var freeUsage: String? = nil
        var freeMeasureID: Int? = nil
        var contentHash: String? = nil
    }

    static let columns = [
        "id", "customer_id", "partner_id", "bill_cycle", "service_type", "resource_type", "region", "resource_id", "resource_name", "resource_spec",
        "product_id", "usage_type", "usage_value", "usage_measure_id", "charging_mode", "bill_type", "consume_begin", "consume_end", "trade_time", "trade_id",
        "official", "discount", "truncated", "consume", "cash", "credit", "coupon", "debt", "record_id", "free_usage", "free_measure_id", "content_hash"]

    private var rows: BulkInsert
    private var sums = BillSums()
    private(set) var added = 0
    private var finished = false

    init(chain: WriteChain? = nil) {
        rows = BulkInsert("fee_records", chain: chain, columns: Self.columns)
    }

    func add(_ db: any SQLDatabase, _ f: Fee) async throws {
        precondition(!finished, "a finished fee book takes no more fees")
        precondition(f.discount + f.truncated + f.consume == f.official, "official = discount + truncated + amount due")
        precondition(f.coupon + f.cash + f.credit + f.debt == f.consume, "a fee's payment split adds up to its amount due")
        try await rows.add(db, [.text(f.id), .text(f.customerID), .text(f.partnerID), .text(f.cycle), .text(f.serviceType), .text(f.resourceType),
                                .text(f.region), .text(f.resourceID), .text(f.resourceName), .text(f.resourceSpec), .text(f.productID),
                                .text(f.usageType), .text(f.usageValue), .int(f.usageMeasureID), .int(f.chargingMode), .int(f.billType),
                                .int(f.begin), .int(f.end), .int(f.tradeTime), .text(f.tradeID), .int(f.official), .int(f.discount),
                                .int(f.truncated), .int(f.consume), .int(f.cash), .int(f.credit), .int(f.coupon), .int(f.debt),
                                .text(f.recordID), .text(f.freeUsage), .int(f.freeMeasureID), .text(f.contentHash)])
        sums.add(.init(partner: f.partnerID, customer: f.customerID, cycle: f.cycle, day: Self.sumsDay(f.tradeTime), service: f.serviceType,
                       resource: f.resourceType, chargingMode: f.chargingMode, billType: f.billType),
                 official: f.official, discount: f.discount, truncated: f.truncated, consume: f.consume,
                 cash: f.cash, credit: f.credit, coupon: f.coupon, debt: f.debt)
        added += 1
    }

    /// Writes the gathered fees, then adds their sums to the day and month rows.
    func finish(_ db: any SQLDatabase) async throws {
        precondition(!finished, "a fee book is finished once")
        finished = true
        try await rows.flush(db)
        assert(rows.written == added, "every added fee was written")
        assert(sums.fees == Int64(added), "every fee is counted in its day's sums once")
        try await sums.flush(db)
    }

    /// The Beijing day (days since 1970-01-01 in UTC+8) a fee's trade time falls on.
    static func sumsDay(_ tradeTime: Int64) -> Int64 {
        (tradeTime + WireTime.beijingOffset) / WireTime.dayMillis
    }
}

/// Daily and monthly bill sums gathered in memory and added to storage once per key.
/// Only the fee book uses it: the sums are written with the fees they sum.
struct BillSums {
    struct Key: Hashable {
        var partner: String, customer: String, cycle: String, day: Int64, service: String, resource: String, chargingMode: Int, billType: Int
    }
    struct Amounts {
        var official: Int64 = 0, discount: Int64 = 0, truncated: Int64 = 0, consume: Int64 = 0
        var cash: Int64 = 0, credit: Int64 = 0, coupon: Int64 = 0, debt: Int64 = 0, fees: Int64 = 0
    }
    private(set) var days: [Key: Amounts] = [:]
    /// How many fees were added, over all keys.
    var fees: Int64 { days.values.reduce(0) { $0 + $1.fees } }

    mutating func add(_ key: Key, official: Int64, discount: Int64, truncated: Int64, consume: Int64, cash: Int64, credit: Int64, coupon: Int64, debt: Int64) {
        var a = days[key, default: Amounts()]
        a.official += official; a.discount += discount; a.truncated += truncated; a.consume += consume
        a.cash += cash; a.credit += credit; a.coupon += coupon; a.debt += debt; a.fees += 1
        days[key] = a
    }

    /// The ON CONFLICT update that adds an inserted sums row (`excluded`) to the stored one (`t`).
    static let addExcluded: SQLQueryString = """
        official = t.official + excluded.official, discount = t.discount + excluded.discount, truncated = t.truncated + excluded.truncated,
        consume = t.consume + excluded.consume, cash = t.cash + excluded.cash, credit = t.credit + excluded.credit,
        coupon = t.coupon + excluded.coupon, debt = t.debt + excluded.debt, fees = t.fees + excluded.fees
        """

    /// Adds the gathered sums to `bill_day_sums` and `bill_month_sums`.
    func flush(_ db: any SQLDatabase) async throws {
        let add = Self.addExcluded
        var months: [Key: Amounts] = [:]
        for (k, a) in days {
            try await db.raw("""
                INSERT INTO bill_day_sums AS t (partner_id, customer_id, bill_cycle, day, service_type, resource_type, charging_mode, bill_type,
                                               official, discount, truncated, consume, cash, credit, coupon, debt, fees)
                VALUES (\(bind: k.partner), \(bind: k.customer), \(bind: k.cycle), \(bind: k.day), \(bind: k.service), \(bind: k.resource),
                        \(bind: k.chargingMode), \(bind: k.billType), \(bind: a.official), \(bind: a.discount), \(bind: a.truncated), \(bind: a.consume),
                        \(bind: a.cash), \(bind: a.credit), \(bind: a.coupon), \(bind: a.debt), \(bind: a.fees))
                ON CONFLICT (partner_id, customer_id, bill_cycle, day, service_type, resource_type, charging_mode, bill_type) DO UPDATE SET \(add)
                """).run()
            var mk = k
            mk.day = 0
            var m = months[mk, default: Amounts()]
            m.official += a.official; m.discount += a.discount; m.truncated += a.truncated; m.consume += a.consume
            m.cash += a.cash; m.credit += a.credit; m.coupon += a.coupon; m.debt += a.debt; m.fees += a.fees
            months[mk] = m
        }
        for (k, a) in months {
            try await db.raw("""
                INSERT INTO bill_month_sums AS t (partner_id, customer_id, bill_cycle, service_type, resource_type, charging_mode, bill_type,
                                                 official, discount, truncated, consume, cash, credit, coupon, debt, fees)
                VALUES (\(bind: k.partner), \(bind: k.customer), \(bind: k.cycle), \(bind: k.service), \(bind: k.resource),
                        \(bind: k.chargingMode), \(bind: k.billType), \(bind: a.official), \(bind: a.discount), \(bind: a.truncated), \(bind: a.consume),
                        \(bind: a.cash), \(bind: a.credit), \(bind: a.coupon), \(bind: a.debt), \(bind: a.fees))
                ON CONFLICT (partner_id, bill_cycle, customer_id, service_type, resource_type, charging_mode, bill_type) DO UPDATE SET \(add)
                """).run()
        }
    }
}
