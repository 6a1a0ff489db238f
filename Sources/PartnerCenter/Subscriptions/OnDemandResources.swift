import Foundation
import SQLKit

extension ResourceStore {
    /// ListCustomerOnDemandResources: a partner's reseller-model customer's pay-per-use
    /// resources (seen in usage, or switched from yearly/monthly at expiry).
    public func onDemand(caller: Principal, _ q: OnDemandResourceFilter) async throws -> OnDemandResourceList {
        try await database.read { db in
            let partner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: q.indirectPartnerID)
            guard try await db.raw("""
                SELECT id FROM customers WHERE id = \(bind: q.customerID) AND partner_id = \(bind: partner) AND bound = 1 AND association_type = '2'
                """).first() != nil else {
                throw Refusal(.notYourCustomer, "The customer is not a reseller-model sub-customer of this partner.")
            }
            // Stored statuses 2 in use and 3 closed read as 1 normal and 6 closed.
            let status: SQLQueryString = "(CASE WHEN r.status = 3 THEN 6 ELSE 1 END)"
            var filter: SQLQueryString = "r.customer_id = \(bind: q.customerID) AND r.charge_mode = 'on_demand'"
            if let v = q.regionCode { filter += " AND r.region = \(bind: v)" }
            if let v = q.serviceType { filter += " AND r.service_type = \(bind: v)" }
            if !q.resourceIDs.isEmpty { filter += " AND r.resource_id IN (\(binds: q.resourceIDs))" }
            if let b = q.effectiveFrom { filter += " AND r.effective_at >= \(bind: b)" }
            if let e = q.effectiveUntil { filter += " AND r.effective_at <= \(bind: e)" }
            if let s = q.status { filter += " AND \(status) = \(bind: s)" }
            let name: SQLQueryString = q.english ? "name_en" : "name_zh"
            let total = try await db.raw("SELECT COUNT(*) AS n FROM customer_resources r WHERE \(filter)").first()!.decode(column: "n", as: Int.self)
            let rows = try await db.raw("""
                SELECT r.*, \(status) AS derived, st.\(name) AS sname, rt.\(name) AS rname FROM customer_resources r
                LEFT JOIN catalog_service_types st ON st.code = r.service_type LEFT JOIN catalog_resource_types rt ON rt.code = r.resource_type
                WHERE \(filter) ORDER BY r.effective_at DESC, r.resource_id LIMIT \(bind: q.page.limit) OFFSET \(bind: q.page.offset)
                """).all()
            return OnDemandResourceList(resources: try rows.map { r in
                let size = try r.decode(column: "spec_size", as: Int?.self)
                let spec = try r.decode(column: "resource_spec", as: String.self)
                return OnDemandResource(
                    customerID: q.customerID, regionCode: try r.decode(column: "region", as: String.self), availabilityZoneCode: nil,
                    serviceTypeCode: try r.decode(column: "service_type", as: String.self), resourceTypeCode: try r.decode(column: "resource_type", as: String.self),
                    serviceTypeName: try r.decode(column: "sname", as: String?.self), resourceTypeName: try r.decode(column: "rname", as: String?.self),
                    resourceID: try r.decode(column: "resource_id", as: String.self), resourceName: try r.decode(column: "resource_name", as: String.self),
                    effectiveTime: WireTime.utc(try r.decode(column: "effective_at", as: Int64.self)),
                    expireTime: try r.decode(column: "derived", as: Int.self) == 6 ? WireTime.utc(try r.decode(column: "updated_at", as: Int64.self)) : nil,
                    status: try r.decode(column: "derived", as: Int.self), resourceSpecCode: spec,
                    resourceInfo: size.map { "{\"specSize\":\(Double($0))}" }, productSpecDesc: size.map { "\(spec)|\($0)GB" } ?? spec)
            }, totalCount: total)
        }
    }
}
