import HTTPTypes
import Hummingbird

/// Catalog lookups and price inquiries.
public enum CatalogRoutes {
    static let readers: Set<AccountKind> = [.solutionProvider, .distributor, .customer]
    static let serviceTypes = Operation("ListServiceTypes", callers: readers)
    static let incentivePolicies = Operation("ListIncentiveDiscountPolicies", callers: [.solutionProvider, .distributor])
    static let resourceTypes = Operation("ListResourceTypes", callers: readers)
    static let serviceResources = Operation("ListServiceResources", callers: readers)
    static let usageTypes = Operation("ListUsageTypes", callers: readers)
    static let measureUnits = Operation("ListMeasureUnits", callers: readers)
    static let conversions = Operation("ListConversions", callers: readers)
    static let resourceSpecs = Operation("ListResourceSpecs", callers: readers)
    // Quotes are customer-side: the customer's own credentials, or a token its partner
    // obtained for it with IAM assume_role.
    static let onDemand = Operation("ListOnDemandResourceRatings", callers: [.customer])
    static let period = Operation("ListRateOnPeriodDetail", callers: [.customer])
    // The v1.0 quotes accept partner credentials too.
    static let ratingOld = Operation("QueryRatingOld", callers: [.solutionProvider, .distributor, .customer])
    static let changeRatingOld = Operation("QueryChangeRatingOld", callers: [.solutionProvider, .distributor, .customer])

    static let xLanguage = HTTPField.Name("X-Language")!

    public static func register(on router: Router<PCContext>, gateway: Gateway, catalog: CatalogStore, ratings: RatingStore) {
        router.api(.post, "/v1.0/:domain_id/customer/product-mgr/query-rating", ratingOld, gateway: gateway) { call in
            try await ratings.legacyRating(caller: call.principal, try LegacyRatingQuery(pathID: call.parameters.get("domain_id") ?? "", call.json(LegacyRatingRequest.self)))
        }
        router.api(.post, "/v1.0/:domain_id/customer/product-mgr/query-change-rating", changeRatingOld, gateway: gateway) { call in
            try await ratings.legacyChangeRating(caller: call.principal, try LegacyChangeQuery(pathID: call.parameters.get("domain_id") ?? "", call.json(LegacyChangeRequest.self)))
        }
        router.api(.get, "/v2/products/service-types", serviceTypes, gateway: gateway) { call in
            try await catalog.serviceTypes(try ServiceTypesQuery(language: call.headers[xLanguage], call.queryParameters))
        }
        router.api(.get, "/v2/products/incentive-discount-policies", incentivePolicies, gateway: gateway) { call in
            try await catalog.incentivePolicies(try IncentivePoliciesQuery(call.queryParameters))
        }
        router.api(.get, "/v2/products/resource-types", resourceTypes, gateway: gateway) { call in
            try await catalog.resourceTypes(try ResourceTypesQuery(language: call.headers[xLanguage], call.queryParameters))
        }
        router.api(.get, "/v2/products/service-resources", serviceResources, gateway: gateway) { call in
            try await catalog.serviceResources(try ServiceResourcesQuery(language: call.headers[xLanguage], call.queryParameters))
        }
        router.api(.get, "/v2/products/usage-types", usageTypes, gateway: gateway) { call in
            try await catalog.usageTypes(try UsageTypesQuery(language: call.headers[xLanguage], call.queryParameters))
        }
        router.api(.get, "/v2/bases/measurements", measureUnits, gateway: gateway) { call in
            try await catalog.measureUnits(try CatalogLanguage(header: call.headers[xLanguage]))
        }
        router.api(.post, "/v2/products/resource-specs-query", resourceSpecs, gateway: gateway) { call in
            var q = try call.checked(ResourceSpecsQuery.self)
            q.english = try CatalogLanguage(header: call.headers[xLanguage]).english
            return try await catalog.resourceSpecs(q)
        }
        router.api(.get, "/v2/bases/conversions", conversions, gateway: gateway) { call in
            try await catalog.conversions(try ConversionsQuery(language: call.headers[xLanguage], call.queryParameters))
        }
        router.api(.post, "/v2/bills/ratings/on-demand-resources", onDemand, gateway: gateway) { call in
            try await ratings.onDemand(customerID: call.principal.domainID, try call.checked(UsageInquiry.self))
        }
        router.api(.post, "/v2/bills/ratings/period-resources/subscribe-rate", period, gateway: gateway) { call in
            try await ratings.period(customerID: call.principal.domainID, try call.checked(PeriodInquiry.self))
        }
    }
}
