import Hummingbird

/// Funds operations: grants and reclaims, balances, adjustment and account-change records.
public enum FundsRoutes {
    static let grantors: Set<AccountKind> = [.solutionProvider, .distributor]
    static let adjust = Operation("UpdateCustomerAccountAmount", callers: grantors)
    static let reclaim = Operation("ReclaimToPartnerAccount", callers: grantors)
    static let adjustReseller = Operation("UpdateIndirectPartnerAccount", callers: [.distributor])
    static let reclaimReseller = Operation("ReclaimIndirectPartnerAccount", callers: [.distributor])
    static let partnerBalances = Operation("ListPartnerBalances", callers: grantors)
    static let customerBalances = Operation("ShowCustomerAccountBalances", callers: [.customer])
    static let customersBalances = Operation("ListCustomersBalancesDetail", callers: grantors)
    static let adjustRecords = Operation("ListPartnerAdjustRecords", callers: grantors)
    static let changeRecords = Operation("ListPartnerAccountChangeRecords", callers: grantors)
    static let customerChangeRecords = Operation("ListCustomerAccountChangeRecords", callers: [.customer])

    public static func register(on router: Router<PCContext>, gateway: Gateway, store: FundsStore) {
        router.api(.post, "/v2/accounts/partner-accounts/adjust-amount", adjust, gateway: gateway) { call in
            TransferIDResponse(transferID: try await store.withCustomer(.grant, caller: call.principal, try call.checked(CustomerTransfer.self),
                                                                        idempotency: call.idempotency, requestID: call.requestID))
        }
        router.api(.post, "/v2/accounts/partner-accounts/reclaim", reclaim, gateway: gateway) { call in
            TransIDResponse(transID: try await store.withCustomer(.reclaim, caller: call.principal, try call.checked(CustomerTransfer.self),
                                                                  idempotency: call.idempotency, requestID: call.requestID))
        }
        router.api(.post, "/v2/accounts/partner-accounts/indirect-partner-adjust", adjustReseller, gateway: gateway) { call in
            TransferIDResponse(transferID: try await store.withReseller(.grant, caller: call.principal, try call.checked(ResellerTransfer.self),
                                                                        idempotency: call.idempotency, requestID: call.requestID))
        }
        router.api(.post, "/v2/accounts/partner-accounts/indirect-partner-reclaim", reclaimReseller, gateway: gateway) { call in
            TransIDResponse(transID: try await store.withReseller(.reclaim, caller: call.principal, try call.checked(ResellerTransfer.self),
                                                                  idempotency: call.idempotency, requestID: call.requestID))
        }
        router.api(.get, "/v2/accounts/partner-accounts/balances", partnerBalances, gateway: gateway) { call in
            try await store.partnerBalances(caller: call.principal, try PartnerBalancesQuery(call.queryParameters))
        }
        router.api(.get, "/v2/accounts/customer-accounts/balances", customerBalances, gateway: gateway) { call in
            try await store.customerBalances(caller: call.principal)
        }
        router.api(.post, "/v2/accounts/customer-accounts/balances/batch-query", customersBalances, gateway: gateway) { call in
            try await store.customersBalances(caller: call.principal, try call.checked(BalancesQuestion.self))
        }
        router.api(.get, "/v3/accounts/partner-accounts/adjust-records", adjustRecords, gateway: gateway) { call in
            try await store.adjustRecords(caller: call.principal, try AdjustRecordsQuery(call.queryParameters))
        }
        router.api(.get, "/v2/accounts/customer-accounts/account-change-records", customerChangeRecords, gateway: gateway) { call in
            try await store.customerChangeRecords(caller: call.principal, try CustomerChangeRecordsQuery(call.queryParameters))
        }
        router.api(.get, "/v2/accounts/partner-accounts/account-change-records", changeRecords, gateway: gateway) { call in
            try await store.changeRecords(caller: call.principal, try ChangeRecordsQuery(call.queryParameters))
        }
    }
}
