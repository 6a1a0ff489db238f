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
    static let resourceRecords = Operation("ListCustomerselfResourceRecords", callers: [.customer])
    static let resourceRecordDetails = Operation("ListCustomerselfResourceRecordDetails", callers: [.customer])
    static let monthlyBreakdown = Operation("ListCustomerBillsMonthlyBreakDown", callers: [.customer])
    static let costs = Operation("ListCosts", callers: [.customer])
    static let consuming = Operation("ListConsumeSubCustomers", callers: partners)
    static let packageItems = Operation("ListFreeResourceUsages", callers: [.customer])
    static let usage95 = Operation("ListResourceUsage", callers: [.customer])
    static let usage95Summary = Operation("ListResourceUsageSummary", callers: [.customer])

    public static func register(on router: Router<PCContext>, gateway: Gateway, store: BillingStore) {
        router.api(.get, "/v2/bills/customer-bills/resources/usage/details", usage95, gateway: gateway) { call in
            try await store.resourceUsage(caller: call.principal, try ResourceUsageQuery(call.queryParameters))
        }
        router.api(.get, "/v2/bills/customer-bills/resources/usage/summary", usage95Summary, gateway: gateway) { call in
            try await store.resourceUsageSummary(caller: call.principal, try ResourceUsageSummaryQuery(call.queryParameters))
        }
        router.api(.get, "/v2/bills/customer-bills/monthly-sum", monthlySum, gateway: gateway) { call in
            try await store.customerMonthlySum(caller: call.principal, try CustomerMonthlySumQuery(call.queryParameters))
        }
        router.api(.get, "/v2/bills/customer-bills/fee-records", feeRecords, gateway: gateway) { call in
            try await store.customerFeeRecords(caller: call.principal, try CustomerFeeRecordsQuery(call.queryParameters))
        }
        router.api(.get, "/v2/bills/customer-bills/res-fee-records", resourceRecords, gateway: gateway) { call in
            try await store.customerResourceRecords(caller: call.principal, try CustomerResourceRecordsQuery(call.queryParameters))
        }
        router.api(.post, "/v4/costs/cost-analysed-bills/query", costs, gateway: gateway) { call in
            _ = try CatalogLanguage(header: call.headers[CatalogRoutes.xLanguage])
            return try await store.costs(caller: call.principal, try call.checked(CostQuery.self))
        }
        router.api(.get, "/v2/costs/cost-analysed-bills/monthly-breakdown", monthlyBreakdown, gateway: gateway) { call in
            let language = try CatalogLanguage(header: call.headers[CatalogRoutes.xLanguage])
            return try await store.monthlyBreakdown(caller: call.principal, english: language.english, try MonthlyBreakdownQuery(call.queryParameters))
        }
        router.api(.post, "/v2/bills/customer-bills/res-records/query", resourceRecordDetails, gateway: gateway) { call in
            let language = try CatalogLanguage(header: call.headers[CatalogRoutes.xLanguage])
            return try await store.customerResourceRecordDetails(caller: call.principal, english: language.english,
                                                                 try call.checked(ResourceRecordDetailsQuery.self))
        }
        router.api(.post, "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query", consuming, gateway: gateway) { call in
            try await store.consumingCustomers(caller: call.principal, try call.checked(ConsumingCustomersQuery.self))
        }
        router.api(.post, "/v2/payments/free-resources/usages/details/query", packageItems, gateway: gateway) { call in
            try await store.packageItems(caller: call.principal, try call.checked(PackageItemsQuestion.self))
        }
        router.api(.post, "/v3/payments/free-resources/query", packages, gateway: gateway) { call in
            try await store.packages(caller: call.principal, try call.checked(PackageFilter.self))
        }
        router.api(.get, "/v2/bills/customer-bills/free-resources-usage-records", packageUsage, gateway: gateway) { call in
            try await store.packageUsage(caller: call.principal, try PackageUsageQuery(call.queryParameters))
        }
        router.api(.get, "/v2/bills/subcustomer-bills/res-fee-records", subDetail, gateway: gateway) { call in
            try await store.subCustomerFeeRecords(caller: call.principal, try SubCustomerFeeRecordsQuery(call.queryParameters))
        }
        router.api(.get, "/v2/bills/partner-bills/subcustomer-bills/monthly-sum", subMonthly, gateway: gateway) { call in
            try await store.partnerMonthlyBills(caller: call.principal, try PartnerMonthlyBillsQuery(call.queryParameters))
        }
    }
}
