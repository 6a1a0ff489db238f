import Hummingbird

/// Yearly/monthly orders: customers pay and cancel them; customers and their partners read them.
public enum OrderRoutes {
    static let readers: Set<AccountKind> = [.solutionProvider, .distributor, .customer]
    public static let list = Operation("ListCustomerOrders", callers: readers)
    public static let show = Operation("ShowCustomerOrderDetails", callers: readers)
    // Actions on an order are the customer's own (partners buy nothing themselves).
    public static let pay = Operation("PayOrders", callers: [.customer])
    public static let cancel = Operation("CancelCustomerOrder", callers: [.customer])
    public static let coupons = Operation("ListOrderCouponsByOrderId", callers: [.customer])
    public static let discounts = Operation("ListOrderDiscounts", callers: [.customer])
    public static let renew = Operation("RenewalResources", callers: [.customer])
    public static let autoRenew = Operation("AutoRenewalResources", callers: [.customer])
    public static let cancelAutoRenew = Operation("CancelAutoRenewalResources", callers: [.customer])
    public static let toOnDemand = Operation("UpdatePeriodToOnDemand", callers: [.customer])
    public static let unsubscribe = Operation("CancelResourcesSubscription", callers: [.customer])
    public static let toOnDemandNow = Operation("UpdatePeriodToOnDemandInstantly", callers: [.customer])
    public static let refunds = Operation("ShowRefundOrderDetails", callers: readers)
    public static let renewConfig = Operation("SetResourcesRenewConfig", callers: [.customer])

    public static func register(on router: Router<PCContext>, gateway: Gateway, orders store: OrderStore) {
        router.api(.get, "/v2/orders/customer-orders", list, gateway: gateway) { call in
            try await store.list(caller: call.principal, try OrderListQuery(call.queryParameters))
        }
        router.api(.get, "/v2/orders/customer-orders/details/:order_id", show, gateway: gateway) { call in
            try await store.details(caller: call.principal, try OrderDetailQuery(orderID: call.parameters.get("order_id") ?? "",
                                                                                  language: call.headers[CatalogRoutes.xLanguage], call.queryParameters))
        }
        router.api(.post, "/v3/orders/customer-orders/pay", pay, gateway: gateway) { call -> Reply<Empty> in
            try await store.pay(caller: call.principal, try call.checked(OrderPayment.self))
            return Reply(status: .noContent, body: nil)
        }
        router.api(.put, "/v2/orders/customer-orders/cancel", cancel, gateway: gateway) { call -> Reply<Empty> in
            try await store.cancel(caller: call.principal, try call.checked(OrderCancellation.self))
            return Reply(status: .noContent, body: nil)
        }
        router.api(.get, "/v2/orders/customer-orders/order-coupons", coupons, gateway: gateway) { call in
            try await store.coupons(caller: call.principal, try OrderIDQuery(call.queryParameters))
        }
        router.api(.post, "/v2/orders/subscriptions/resources/renew", renew, gateway: gateway) { call in
            try await store.renew(caller: call.principal, try call.checked(Renewal.self))
        }
        router.api(.post, "/v2/orders/subscriptions/resources/autorenew/:resource_id", autoRenew, gateway: gateway) { call -> Reply<Empty> in
            // The SDK may send no body when no field is set.
            let body: AutoRenewalRequest? = call.body.readableBytes == 0 ? nil : try call.json(AutoRenewalRequest.self)
            try await store.enableAutoRenewal(caller: call.principal, try AutoRenewal(resourceID: call.parameters.get("resource_id") ?? "", body))
            return Reply(status: .noContent, body: nil)
        }
        router.api(.delete, "/v2/orders/subscriptions/resources/autorenew/:resource_id", cancelAutoRenew, gateway: gateway) { call -> Reply<Empty> in
            try await store.cancelAutoRenewal(caller: call.principal, resourceID: call.parameters.get("resource_id") ?? "")
            return Reply(status: .noContent, body: nil)
        }
        router.api(.post, "/v2/orders/subscriptions/resources/to-on-demand", toOnDemand, gateway: gateway) { call in
            try await store.toOnDemandAtExpiry(caller: call.principal, try call.checked(ToOnDemandAtExpiry.self))
        }
        router.api(.post, "/v2/orders/subscriptions/resources/to-on-demand/instantly", toOnDemandNow, gateway: gateway) { call in
            try await store.toOnDemandNow(caller: call.principal, try call.checked(ToOnDemandNow.self))
        }
        router.api(.post, "/v2/orders/subscriptions/resources/unsubscribe", unsubscribe, gateway: gateway) { call in
            try await store.unsubscribe(caller: call.principal, try call.checked(Unsubscription.self))
        }
        router.api(.get, "/v2/orders/customer-orders/refund-orders", refunds, gateway: gateway) { call in
            try await store.refundDetails(caller: call.principal, try RefundOrderQuery(call.queryParameters, caller: call.principal))
        }
        router.api(.post, "/v2/orders/subscriptions/resources/renew/config", renewConfig, gateway: gateway) { call in
            try await store.setRenewConfig(caller: call.principal, try call.checked(RenewConfigChange.self))
            return RenewConfigResponse()
        }
        router.api(.get, "/v2/orders/customer-orders/order-discounts", discounts, gateway: gateway) { call in
            try await store.discounts(caller: call.principal, try OrderIDQuery(call.queryParameters))
        }
    }
}
