import Hummingbird

/// Bills: the customer's own spend, and partners' views of their customers' spend.
public enum BillingRoutes {
    static let partners: Set<AccountKind> = [.solutionProvider, .distributor]
    static let monthlySum = Operation("ShowCustomerMonthlySum", callers: [.customer])
    static let feeRecords = Operation("ListCustomerBillsFeeRecords", callers: [.customer])
    static let subDetail = Operation("ListSubCustomerBillDetail", callers: partners)
    static let subMonthly = Operation("ListSubcustomerMonthlyBills", callers: partners)
    static let packages = Operation("ListFreeResourceInfos", callers: [.customer])
    static let packageUsage = Operation("ListFreeResourcesUsageRecords", callers: [.customer])

    public static func register(on router: Router<PCContext>, gateway: Gateway, store: BillingStore) {
        router.api(.get, "/v2/bills/customer-bills/monthly-sum", monthlySum, gateway: gateway) { call in
            try await store.customerMonthlySum(caller: call.principal, query: call)
        }
        router.api(.get, "/v2/bills/customer-bills/fee-records", feeRecords, gateway: gateway) { call in
            try await store.customerFeeRecords(caller: call.principal, query: call)
        }
        router.api(.post, "/v3/payments/free-resources/query", packages, gateway: gateway) { call in
            try await store.packages(caller: call.principal, try call.json(FreeResourceQuery.self))
        }
        router.api(.get, "/v2/bills/customer-bills/free-resources-usage-records", packageUsage, gateway: gateway) { call in
            try await store.packageUsage(caller: call.principal, query: call)
        }
        router.api(.get, "/v2/bills/subcustomer-bills/res-fee-records", subDetail, gateway: gateway) { call in
            try await store.subCustomerFeeRecords(caller: call.principal, query: call)
        }
        router.api(.get, "/v2/bills/partner-bills/subcustomer-bills/monthly-sum", subMonthly, gateway: gateway) { call in
            try await store.partnerMonthlyBills(caller: call.principal, query: call)
        }
    }
}
