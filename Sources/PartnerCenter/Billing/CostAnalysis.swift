import Foundation
import SQLKit

/// Cost (ListCosts): one bucket of one row.
public struct CostBucket: Codable, Sendable {
    public var timeDimensionValue: String
    public var timeMeasureID: Int
    public var amount: String
    public var officialAmount: String
    enum CodingKeys: String, CodingKey {
        case timeDimensionValue = "time_dimension_value", timeMeasureID = "time_measure_id", amount, officialAmount = "official_amount"
    }
}

public struct CostDimension: Codable, Sendable, Hashable {
    public var key: String
    public var value: String
}

/// CostDataByDimension
public struct CostRow: Codable, Sendable {
    public var dimensions: [CostDimension]
    public var costs: [CostBucket]
    public var amountByCosts: String
    public var officialAmountByCosts: String
    enum CodingKeys: String, CodingKey { case dimensions, costs, amountByCosts = "amount_by_costs", officialAmountByCosts = "official_amount_by_costs" }
}

public struct CostList: Codable, Sendable {
    public var currency: String
    public var totalCount: Int
    public var costData: [CostRow]
    enum CodingKeys: String, CodingKey { case currency, totalCount = "total_count", costData = "cost_data" }
}

extension BillingStore {
    /// One piece of cost: where it belongs (its dimension values) and what it is.
    private struct Piece {
        var values: [String: String]
        var official: Int64
        var consume: Int64
        var coupon: Int64
    }

    /// ListCosts: the customer's cost over days or months, grouped by up to two dimensions.
    /// Original cost books a yearly/monthly charge on the day it was paid and usage on the day
    /// it was used; amortized cost spreads the charge over its service period by the
    /// amortization rule (`Amortization`), bucket by bucket. NET_AMOUNT leaves out what
    /// coupons paid. The customer has no tags, cost units, availability zones or member
    /// accounts: those dimensions read "" (accounts: the customer itself).
    public func costs(caller: Principal, _ q: CostQuery) async throws -> CostList {
        let now = try await database.businessNow()
        let month = BillingStore.cycle(now), today = String(WireTime.utc(now + WireTime.beijingOffset).prefix(10))
        let earliest = Self.monthsBefore(month, 17)
        guard String(q.begin.prefix(7)) >= earliest else {
            throw Refusal.parameter("time_condition.begin_time", "must lie within the last 18 months (from \(earliest))")
        }
        guard q.end <= (q.daily ? today : month) else { throw Refusal.parameter("time_condition.end_time", "must not be in the future") }
        // The buckets, each [start, end) in UTC milliseconds.
        var found: [(name: String, start: Int64, end: Int64)] = []
        if q.daily {
            var t = WireTime.parseUTC(q.begin + "T00:00:00Z")! - WireTime.beijingOffset
            let last = WireTime.parseUTC(q.end + "T00:00:00Z")! - WireTime.beijingOffset
            while t <= last {
                found.append((String(WireTime.utc(t + WireTime.beijingOffset).prefix(10)), t, t + WireTime.dayMillis))
                t += WireTime.dayMillis
            }
        } else {
            var m = q.begin
            while m <= q.end {
                let next = Self.monthsBefore(m, -1)
                found.append((m, WireTime.parseUTC(m + "-01T00:00:00Z")! - WireTime.beijingOffset, WireTime.parseUTC(next + "-01T00:00:00Z")! - WireTime.beijingOffset))
                m = next
            }
        }
        let buckets = found
        let rangeStart = buckets.first!.start, rangeEnd = buckets.last!.end
        let width = q.daily ? 10 : 7
        let customer = caller.domainID

        let pieces: [(String, Piece)] = try await database.read { db in
            var out: [(String, Piece)] = []
            func values(_ r: any SQLRow) throws -> [String: String] {
                [
                    "CLOUD_SERVICE_TYPE": try r.decode(column: "service_type", as: String.self), "RESOURCE_TYPE": try r.decode(column: "resource_type", as: String.self),
                    "REGION_CODE": try r.decode(column: "region", as: String.self), "RES_SPEC_CODE": try r.decode(column: "resource_spec", as: String.self),
                    "CHARGING_MODE": String(try r.decode(column: "charging_mode", as: Int.self)), "USAGE_TYPE": try r.decode(column: "usage_type", as: String?.self) ?? "",
                    "BILL_TYPE": String(try r.decode(column: "bill_type", as: Int.self)), "RESOURCE_ID": try r.decode(column: "resource_id", as: String.self),
                    "ENTERPRISE_PROJECT_ID": "0", "PAYER_ACCOUNT_ID": customer, "ASSOCIATED_ACCOUNT": customer, "BE_ID": "", "AZ_CODE": "",
                    "RESOURCE_TAG": "", "COST_UNIT": "",
                ]
            }
            // Usage, summed per resource, usage type and Beijing day in the database.
            // A literal, not a bound value: PostgreSQL must see the grouped and the selected
            // expression as one.
            let day: SQLQueryString = "((f.consume_begin + \(unsafeRaw: String(WireTime.beijingOffset))) / 86400000)"
            for r in try await db.raw("""
                SELECT f.service_type, f.resource_type, f.region, f.resource_spec, f.charging_mode, f.usage_type, f.bill_type, f.resource_id, \(day) AS day,
                       CAST(SUM(f.official) AS BIGINT) AS official, CAST(SUM(f.consume) AS BIGINT) AS consume, CAST(SUM(f.coupon) AS BIGINT) AS coupon
                FROM fee_records f
                WHERE f.customer_id = \(bind: customer) AND f.charging_mode <> 1 AND f.consume_begin >= \(bind: rangeStart) AND f.consume_begin < \(bind: rangeEnd)
                GROUP BY f.service_type, f.resource_type, f.region, f.resource_spec, f.charging_mode, f.usage_type, f.bill_type, f.resource_id, \(day)
                """).all() {
                let d = try r.decode(column: "day", as: Int64.self)
                out.append((String(WireTime.utc(d * WireTime.dayMillis).prefix(q.daily ? 10 : 7)),
                            Piece(values: try values(r), official: try r.decode(column: "official", as: Int64.self),
                                  consume: try r.decode(column: "consume", as: Int64.self), coupon: try r.decode(column: "coupon", as: Int64.self))))
            }
            // Yearly/monthly fees, one by one: on the day paid, or spread over their period.
            let window: SQLQueryString = q.amortized ? "f.consume_begin < \(bind: rangeEnd) AND f.consume_end > \(bind: rangeStart)"
                                                     : "f.trade_time >= \(bind: rangeStart) AND f.trade_time < \(bind: rangeEnd)"
            for r in try await db.raw("""
                SELECT f.service_type, f.resource_type, f.region, f.resource_spec, f.charging_mode, f.usage_type, f.bill_type, f.resource_id,
                       f.trade_time, f.consume_begin, f.consume_end, f.official, f.consume, f.cash, f.credit, f.coupon, f.debt
                FROM fee_records f WHERE f.customer_id = \(bind: customer) AND f.charging_mode = 1 AND \(window)
                """).all() {
                let v = try values(r)
                let units = { (c: String) in try r.decode(column: c, as: Int64.self) }
                if !q.amortized {
                    out.append((String(WireTime.utc(try units("trade_time") + WireTime.beijingOffset).prefix(width)), Piece(values: v, official: try units("official"), consume: try units("consume"), coupon: try units("coupon"))))
                    continue
                }
                let (begin, end) = (try units("consume_begin"), try units("consume_end"))
                for b in buckets where b.start < end && b.end > begin {
                    let money = try Amortization.split(cash: try units("cash"), credit: try units("credit"), coupon: try units("coupon"), debt: try units("debt"),
                                                       begin: begin, end: end, month: b.start, until: b.end)
                    let list = try Amortization.split(cash: try units("official"), credit: 0, coupon: 0, debt: 0, begin: begin, end: end, month: b.start, until: b.end)
                    out.append((b.name, Piece(values: v, official: list.current, consume: money.current, coupon: money.coupon)))
                }
            }
            return out
        }

        // Filters, then rows keyed by the grouped dimensions' values.
        let keys = q.groupings.map { g -> String in
            switch g { case .dimension(let k): return k; case .tag: return "RESOURCE_TAG"; case .costUnit: return "COST_UNIT" }
        }
        var rows: [[CostDimension]: [String: (amount: Int64, official: Int64)]] = [:]
        for (bucket, p) in pieces {
            guard q.filters.allSatisfy({ f in f.values.contains(p.values[f.key] ?? "") == f.include }) else { continue }
            let dims = zip(q.groupings, keys).map { g, k -> CostDimension in
                switch g {
                case .dimension(let name): return CostDimension(key: name, value: p.values[k] ?? "")
                case .tag(let tag): return CostDimension(key: tag, value: "")
                case .costUnit(let unit): return CostDimension(key: unit, value: "")
                }
            }
            var row = rows[dims] ?? [:]
            let amount = q.net ? p.consume - p.coupon : p.consume
            let was = row[bucket] ?? (0, 0)
            row[bucket] = (was.amount + amount, was.official + p.official)
            rows[dims] = row
        }
        let ordered = rows.map { (dims: $0.key, buckets: $0.value, total: $0.value.values.reduce(Int64(0)) { $0 + $1.amount }) }
            .sorted { ($0.total, "\($1.dims.map(\.value))") > ($1.total, "\($0.dims.map(\.value))") }
        let page = ordered.dropFirst(q.page.offset).prefix(q.page.limit)
        return CostList(currency: Ledger.currency, totalCount: ordered.count, costData: page.map { r in
            let costs = buckets.map { b in
                CostBucket(timeDimensionValue: b.name, timeMeasureID: q.daily ? 1 : 2, amount: Units.text(r.buckets[b.name]?.amount ?? 0),
                           officialAmount: Units.text(r.buckets[b.name]?.official ?? 0))
            }
            return CostRow(dimensions: r.dims, costs: costs, amountByCosts: Units.text(r.total),
                           officialAmountByCosts: Units.text(r.buckets.values.reduce(Int64(0)) { $0 + $1.official }))
        })
    }
}
