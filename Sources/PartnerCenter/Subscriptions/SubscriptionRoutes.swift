import Hummingbird

/// Customers' yearly/monthly subscriptions and resources: the resource list and renewal quotes.
public enum SubscriptionRoutes {
    // A renewal quote is customer-side: the customer's own credentials, or a token its
    // partner obtained for it with IAM assume_role.
    static let renew = Operation("ListRenewRateOnPeriod", callers: [.customer])
    static let resources = Operation("ListPayPerUseCustomerResources", callers: [.solutionProvider, .distributor, .customer])
    static let onDemand = Operation("ListCustomerOnDemandResources", callers: [.solutionProvider, .distributor])

    public static func register(on router: Router<PCContext>, gateway: Gateway, resources store: ResourceStore) {
        router.api(.post, "/v2/bills/ratings/period-resources/renew-rate", renew, gateway: gateway) { call in
            try await store.renewRate(customerID: call.principal.domainID, try call.checked(RenewInquiry.self))
        }
        router.api(.post, "/v2/partners/sub-customers/on-demand-resources/query", onDemand, gateway: gateway) { call in
            try await store.onDemand(caller: call.principal, try OnDemandResourceFilter(call.json(OnDemandResourcesRequest.self),
                                                                                        language: call.headers[CatalogRoutes.xLanguage]))
        }
        router.api(.post, "/v2/orders/suscriptions/resources/query", resources, gateway: gateway) { call in
            try await store.list(caller: call.principal, try ResourceFilter(call.json(QueryResourcesRequest.self), caller: call.principal))
        }
    }
}
