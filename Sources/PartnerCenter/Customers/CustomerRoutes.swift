import Hummingbird

/// Customer-side partner operations: accounts, lists, identity checks, real-name authentication.
public enum CustomerRoutes {
    static let partners = AccountKind.partners
    public static let createSubCustomer = Operation("CreateSubCustomer", callers: partners)
    public static let listSubCustomers = Operation("ListSubCustomers", callers: partners)
    public static let queryCustomerListOld = Operation("QueryCustomerListOld", callers: partners)
    public static let listIndirectPartners = Operation("ListIndirectPartners", callers: [.distributor])
    public static let checkUserIdentity = Operation("CheckUserIdentity", callers: partners)
    public static let createPersonalRealnameAuth = Operation("CreatePersonalRealnameAuth", callers: partners)
    public static let createEnterpriseRealname = Operation("CreateEnterpriseRealnameAuthentication", callers: partners)
    public static let changeEnterpriseRealname = Operation("ChangeEnterpriseRealnameAuthentication", callers: partners)
    public static let showRealnameResult = Operation("ShowRealnameAuthenticationReviewResult", callers: partners)
    public static let showRealnameStatus = Operation("ShowRealNameAuthStatus", callers: [.customer])
    public static let sendVerificationCode = Operation("SendVerificationMessageCode", callers: [.solutionProvider, .distributor])
    public static let listNewTags = Operation("ListSubCustomerNewTag", callers: [.solutionProvider, .distributor])

    public static func register(on router: Router<PCContext>, gateway: Gateway, store: CustomerStore, realname: RealnameStore, codes: VerificationCodeStore,
                                tags: NewCustomerTagStore) {
        router.api(.post, "/v2/partners/sub-customers/new-customers-tags/batch-query", listNewTags, gateway: gateway) { call in
            try await tags.list(caller: call.principal, try call.checked(NewTagQuery.self))
        }
        router.api(.post, "/v2/bases/verificationcode/send", sendVerificationCode, gateway: gateway) { call -> Reply<Empty> in
            try await codes.send(caller: call.principal, try call.checked(VerificationCodeOrder.self))
            return Reply(status: .noContent, body: nil)
        }
        router.api(.post, "/v2/partners/sub-customers", createSubCustomer, gateway: gateway) { call in
            try await store.create(caller: call.principal, try call.checked(NewCustomer.self))
        }
        router.api(.post, "/v2/partners/sub-customers/query", listSubCustomers, gateway: gateway) { call in
            try await store.list(caller: call.principal, try call.checked(SubCustomerFilter.self))
        }
        // Every v1.0 path names the account in its second segment; the router needs one name for it.
        router.api(.post, "/v1.0/:domain_id/partner/customer-mgr/query", queryCustomerListOld, gateway: gateway) { call in
            try await store.legacyList(caller: call.principal, try LegacyCustomerFilter(partnerID: call.parameters.get("domain_id") ?? "", caller: call.principal, call.json(LegacyCustomerQuery.self)))
        }
        router.api(.post, "/v2/partners/indirect-partners/query", listIndirectPartners, gateway: gateway) { call in
            try await store.indirectPartners(caller: call.principal, try call.checked(IndirectPartnerFilter.self))
        }
        router.api(.post, "/v2/partners/sub-customers/users/check-identity", checkUserIdentity, gateway: gateway) { call in
            try await store.checkIdentity(try call.checked(IdentityQuestion.self))
        }
        router.api(.post, "/v2/customers/realname-auths/individual", createPersonalRealnameAuth, gateway: gateway) { call in
            try await realname.submit(caller: call.principal, try RealnameSubmission(individual: call.json(IndividualRealnameRequest.self)))
        }
        router.api(.post, "/v2/customers/realname-auths/enterprise", createEnterpriseRealname, gateway: gateway) { call in
            try await realname.submit(caller: call.principal, try RealnameSubmission(enterprise: call.json(EnterpriseRealnameRequest.self), change: false))
        }
        router.api(.put, "/v2/customers/realname-auths/enterprise", changeEnterpriseRealname, gateway: gateway) { call in
            try await realname.submit(caller: call.principal, try RealnameSubmission(enterprise: call.json(EnterpriseRealnameRequest.self), change: true))
        }
        router.api(.get, "/v2/customers/real-name-auth-status", showRealnameStatus, gateway: gateway) { call in
            try await realname.status(caller: call.principal)
        }
        router.api(.get, "/v2/customers/realname-auths/result", showRealnameResult, gateway: gateway) { call in
            try await realname.result(caller: call.principal, customerID: try Check.required(call.query("customer_id"), "customer_id", max: 64))
        }
    }
}
