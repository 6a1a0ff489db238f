import Hummingbird

/// Customer-side partner operations.
public enum CustomerRoutes {
    public static let createSubCustomer = Operation("CreateSubCustomer", callers: AccountKind.partners)
    public static let listSubCustomers = Operation("ListSubCustomers", callers: AccountKind.partners)
    public static let listIndirectPartners = Operation("ListIndirectPartners", callers: [.distributor])

    public static func register(on router: Router<PCContext>, gateway: Gateway, store: CustomerStore) {
        router.api(.post, "/v2/partners/sub-customers", createSubCustomer, gateway: gateway) { call in
            try await store.create(caller: call.principal, try call.json(CreateCustomerRequest.self))
        }
        router.api(.post, "/v2/partners/sub-customers/query", listSubCustomers, gateway: gateway) { call in
            try await store.list(caller: call.principal, try call.json(QuerySubCustomersRequest.self))
        }
        router.api(.post, "/v2/partners/indirect-partners/query", listIndirectPartners, gateway: gateway) { call in
            try await store.indirectPartners(caller: call.principal, try call.json(QueryIndirectPartnersRequest.self))
        }
    }
}
