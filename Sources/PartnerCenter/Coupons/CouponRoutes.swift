import Hummingbird

/// Coupon quotas and partner coupons.
public enum CouponRoutes {
    static let issuers: Set<AccountKind> = [.solutionProvider, .distributor]
    static let updateQuotas = Operation("UpdateCouponQuotas", callers: [.distributor])
    static let reclaimQuotas = Operation("ReclaimCouponQuotas", callers: [.distributor])
    static let listIssuedQuotas = Operation("ListIssuedCouponQuotas", callers: [.distributor])
    static let listQuotas = Operation("ListQuotaCoupons", callers: issuers)
    static let quotaRecords = Operation("ListCouponQuotasRecords", callers: [.distributor])
    static let createCoupons = Operation("CreatePartnerCoupons", callers: issuers)
    static let reclaimCoupons = Operation("ReclaimPartnerCoupons", callers: issuers)
    static let listCoupons = Operation("ListIssuedPartnerCoupons", callers: issuers)
    static let couponRecords = Operation("ListPartnerCouponsRecord", callers: issuers)
    static let ownCoupons = Operation("ListSubCustomerCoupons", callers: [.solutionProvider, .distributor, .customer])
    static let couponChanges = Operation("ListCustomerCouponChangeRecords", callers: [.customer])

    public static func register(on router: Router<PCContext>, gateway: Gateway, store: CouponStore) {
        router.api(.post, "/v2/partners/coupon-quotas/indirect-partner-adjust", updateQuotas, gateway: gateway) { call in
            try await store.adjustQuotas(caller: call.principal, try call.checked(QuotaGrants.self))
        }
        router.api(.post, "/v2/partners/coupon-quotas/indirect-partner-reclaim", reclaimQuotas, gateway: gateway) { call in
            try await store.reclaimQuotas(caller: call.principal, try call.checked(QuotaReclaims.self))
        }
        router.api(.get, "/v2/partners/issued-coupon-quotas", listIssuedQuotas, gateway: gateway) { call in
            try await store.listIssuedQuotas(caller: call.principal, try ListIssuedQuotasQuery(call.queryParameters))
        }
        router.api(.post, "/v2/partners/coupon-quotas/query", listQuotas, gateway: gateway) { call in
            try await store.listQuotas(caller: call.principal, try call.checked(QuotaFilter.self))
        }
        router.api(.get, "/v2/partners/coupon-quotas/records", quotaRecords, gateway: gateway) { call in
            try await store.quotaRecords(caller: call.principal, try QuotaRecordsQuery(call.queryParameters))
        }
        router.api(.post, "/v2/promotions/benefits/partner-coupons", createCoupons, gateway: gateway) { call in
            try await store.createCoupons(caller: call.principal, try call.checked(NewCoupons.self))
        }
        router.api(.post, "/v2/promotions/benefits/partner-coupons/reclaim", reclaimCoupons, gateway: gateway) { call -> Reply<Empty> in
            try await store.reclaimCoupon(caller: call.principal, try call.checked(CouponReclaim.self))
            return Reply(status: .noContent, body: nil)
        }
        router.api(.get, "/v2/promotions/benefits/account-change-records", couponChanges, gateway: gateway) { call in
            try await store.couponChanges(caller: call.principal, try CouponChangesQuery(call.queryParameters))
        }
        router.api(.get, "/v2/promotions/benefits/coupons", ownCoupons, gateway: gateway) { call in
            try await store.ownCoupons(caller: call.principal, try OwnCouponsQuery(call.queryParameters))
        }
        router.api(.get, "/v2/promotions/benefits/partner-coupons", listCoupons, gateway: gateway) { call in
            try await store.listCoupons(caller: call.principal, try ListCouponsQuery(call.queryParameters))
        }
        router.api(.get, "/v2/promotions/benefits/partner-coupons/records/query", couponRecords, gateway: gateway) { call in
            try await store.couponRecords(caller: call.principal, try CouponRecordsQuery(call.queryParameters))
        }
    }
}
