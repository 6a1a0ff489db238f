import Foundation

/// v1.0 QueryCustomerListOld: camelCase keys, `offset` is a 1-based page number.
public struct LegacyCustomerQuery: Codable, Sendable {
    public var domainName: String?
    public var name: String?
    public var offset: Int?
    public var limit: Int?
    public var label: String?
    public var cooperationType: String?
    public var cooperationTimeStart: String?
    public var cooperationTimeEnd: String?
    public var customerId: String?
}

public struct LegacyCustomerInfo: Codable, Sendable {
    public var domainName: String?
    public var name: String?
    public var customerId: String?
    public var cooperationTime: String?
    public var cooperationType: String?
    public var label: String?
    public var telephone: String?
    public var verifiedStatus: String?
    public var countryCode: String?
    public var customerType: Int?
    public var isFrozen: Int?
}

public struct LegacyCustomerList: Codable, Sendable {
    public var count: Int
    public var customerInfoList: [LegacyCustomerInfo]
}

extension CustomerStore {
    /// The v1.0 list over the same data as ListSubCustomers.
    public func legacyList(caller: Principal, partnerID: String, _ q: LegacyCustomerQuery) async throws -> LegacyCustomerList {
        try Check.length(partnerID, "partner_id", max: 64)
        // The path names the partner; it must be the caller (no partner reads another's list).
        guard partnerID == caller.domainID else { throw Refusal.forbidden }
        try Check.range(q.offset, "offset", 1...200_000)
        try Check.range(q.limit, "limit", 1...100)
        try Check.length(q.cooperationType, "cooperationType", max: 1)
        try Check.length(q.domainName, "domainName", max: 64)
        try Check.length(q.name, "name", max: 64)
        try Check.length(q.label, "label", max: 64)
        try Check.length(q.customerId, "customerId", max: 64)
        try Check.length(q.cooperationTimeStart, "cooperationTimeStart", max: 20)
        try Check.length(q.cooperationTimeEnd, "cooperationTimeEnd", max: 20)
        for (v, f) in [(q.domainName, "domainName"), (q.name, "name"), (q.label, "label")] { try Check.noSpaces(v, f) }
        try Check.oneOf(Check.nonEmpty(q.cooperationType), "cooperationType", ["1", "2"])
        _ = try Check.utcTime(Check.nonEmpty(q.cooperationTimeStart), "cooperationTimeStart")
        _ = try Check.utcTime(Check.nonEmpty(q.cooperationTimeEnd), "cooperationTimeEnd")
        let limit = q.limit ?? 10
        let page = q.offset ?? 1
        let offset = (page - 1) * limit
        guard offset <= 40_000_000 else { throw Refusal.parameter("offset", "is too large") }
        let v2 = try await list(caller: caller, QuerySubCustomersRequest(
            accountName: q.domainName, customer: q.name, offset: offset, limit: limit, label: q.label,
            associationType: q.cooperationType, associatedOnBegin: Check.nonEmpty(q.cooperationTimeStart),
            associatedOnEnd: Check.nonEmpty(q.cooperationTimeEnd), customerID: q.customerId, indirectPartnerID: nil))
        return LegacyCustomerList(count: v2.count, customerInfoList: v2.customerInfos.map {
            LegacyCustomerInfo(domainName: $0.accountName, name: $0.customer, customerId: $0.customerID, cooperationTime: $0.associatedOn,
                               cooperationType: $0.associationType, label: $0.label, telephone: $0.telephone, verifiedStatus: $0.verifiedStatus,
                               countryCode: $0.countryCode, customerType: $0.customerType, isFrozen: $0.isFrozen)
        })
    }

    /// CheckUserIdentity: is a name, mobile or e-mail still free for a new customer?
    public func checkIdentity(_ r: CheckIdentityRequest) async throws -> CheckIdentityResponse {
        let type = try Check.required(r.searchType, "search_type", max: 16)
        try Check.oneOf(type, "search_type", ["email", "mobile", "name"])
        let value = try Check.required(r.searchValue, "search_value", max: 64)
        switch type {
        case "mobile":
            let parts = value.split(separator: "-", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].count == 4, parts[0].allSatisfy(\.isNumber), !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber) else {
                throw Refusal.parameter("search_value", "must be a mobile number as 0086-13XXXXXXXXX")
            }
            guard parts[0] == "0086" else { throw Refusal.parameter("search_value", "supports only the country code 0086") }
            let taken = try await database.read { try await $0.raw("SELECT id FROM accounts WHERE mobile = \(bind: parts[1])").first() != nil }
            // One customer per mobile number here, so the remaining count is 1 or 0.
            return CheckIdentityResponse(checkResult: taken ? "used_by_user" : "available", mobileRemainAvailableNum: taken ? 0 : 1)
        case "email":
            guard value.contains("@"), !value.hasPrefix("@"), !value.hasSuffix("@") else { throw Refusal.parameter("search_value", "must be a complete e-mail address") }
            let taken = try await database.read { try await $0.raw("SELECT id FROM accounts WHERE LOWER(email) = \(bind: value.lowercased())").first() != nil }
            return CheckIdentityResponse(checkResult: taken ? "used_by_user" : "available")
        default:
            do { try CustomerRules.validateDomainName(value) } catch { throw Refusal.parameter("search_value", "is not a valid account name") }
            let taken = try await database.read { try await $0.raw("SELECT id FROM accounts WHERE name = \(bind: value)").first() != nil }
            return CheckIdentityResponse(checkResult: taken ? "used_by_user" : "available")
        }
    }
}
