import Foundation

// The customer operations' bodies, checked at the edge: what the customer store acts on.

/// CreateSubCustomer: a new customer account, its form checked.
public struct NewCustomer: CheckedRequest {
    public var xaccountID: String
    public var xaccountType: String
    /// The name given, or a generated one when none is.
    public var domainName: String
    /// nil or "" when none is given.
    public var mobile: String?
    /// The SMS code sent for `mobile` (SendVerificationMessageCode, scene 29).
    public var verificationCode: String?
    public var indirectPartnerID: String?
    /// The password given (nil: the account gets a random one).
    public var password: String?
    /// "1" (referral) or "2" (reseller).
    public var associationType: String
    public var closeMarket: Bool

    public init(_ req: CreateCustomerRequest) throws {
        xaccountID = try Check.required(req.xaccountID, "xaccount_id", max: 128)
        xaccountType = try Check.required(req.xaccountType, "xaccount_type", max: 64)
        try Check.length(req.domainName, "domain_name", max: 64)
        try Check.length(req.mobilePhone, "mobile_phone", max: 32)
        try Check.length(req.indirectPartnerID, "indirect_partner_id", max: 64)
        try Check.length(req.verificationCode, "verification_code", max: 32)
        try Check.length(req.password, "password", max: 64)
        try Check.oneOf(Check.nonEmpty(req.isCloseMarketMs), "is_close_market_ms", ["true", "false"])
        if req.verificationCode == "" { throw Refusal.parameter("verification_code", "must not be an empty string") }
        if req.password == "" { throw Refusal.parameter("password", "must not be an empty string") }
        domainName = Check.nonEmpty(req.domainName) ?? CustomerRules.randomDomainName()
        try CustomerRules.validateDomainName(domainName)
        mobile = req.mobilePhone
        if let m = mobile, !m.isEmpty { try CustomerRules.validateMobile(m) }
        if let code = req.verificationCode, !(code.count == 6 && code.allSatisfy(\.isNumber)) {
            throw Refusal(.verificationCodeIncorrect, "The verification code is incorrect.")
        }
        if let m = mobile, !m.isEmpty, req.verificationCode == nil {
            throw Refusal.parameter("verification_code", "is required with mobile_phone (send one with SendVerificationMessageCode)")
        }
        verificationCode = req.verificationCode
        if let pw = req.password { try CustomerRules.validatePassword(pw, accountName: domainName, mobile: mobile) }
        indirectPartnerID = Check.nonEmpty(req.indirectPartnerID)
        password = req.password
        associationType = req.cooperationType == "1" ? "1" : "2"
        closeMarket = req.isCloseMarketMs == "true"
    }
}

/// ListSubCustomers: the filters, checked.
public struct SubCustomerFilter: CheckedRequest {
    /// Infix matches, spaces refused.
    public var accountName: String?
    public var realName: String?
    public var label: String?
    public var associationType: String?
    public var customerID: String?
    public var indirectPartnerID: String?
    /// From the first millisecond of associated_on_begin to the last of associated_on_end.
    public var begin: Int64?
    public var end: Int64?
    public var page: Page

    public init(_ req: QuerySubCustomersRequest) throws {
        for (v, f) in [(req.accountName, "account_name"), (req.customer, "customer"), (req.label, "label"),
                       (req.customerID, "customer_id"), (req.indirectPartnerID, "indirect_partner_id")] {
            try Check.length(v, f, max: 64)
        }
        for (v, f) in [(req.accountName, "account_name"), (req.customer, "customer"), (req.label, "label")] { try Check.noSpaces(v, f) }
        try Check.length(req.associationType, "association_type", max: 2)
        try Check.oneOf(Check.nonEmpty(req.associationType), "association_type", ["1", "2"])
        try Check.length(req.associatedOnBegin, "associated_on_begin", max: 20)
        try Check.length(req.associatedOnEnd, "associated_on_end", max: 20)
        // An empty time is refused here (Huawei does), unlike ListIndirectPartners.
        begin = try Check.utcTime(req.associatedOnBegin, "associated_on_begin")
        end = try Check.utcTimeEnd(req.associatedOnEnd, "associated_on_end")
        page = try Page(offset: req.offset, limit: req.limit)
        accountName = Check.nonEmpty(req.accountName)
        realName = Check.nonEmpty(req.customer)
        label = Check.nonEmpty(req.label)
        associationType = Check.nonEmpty(req.associationType)
        customerID = Check.nonEmpty(req.customerID)
        indirectPartnerID = Check.nonEmpty(req.indirectPartnerID)
    }
}

/// ListIndirectPartners: the filters, checked.
public struct IndirectPartnerFilter: CheckedRequest {
    public var accountName: String?
    public var indirectPartnerID: String?
    public var begin: Int64?
    public var end: Int64?
    public var page: Page

    public init(_ req: QueryIndirectPartnersRequest) throws {
        try Check.length(req.accountName, "account_name", max: 64)
        try Check.length(req.indirectPartnerID, "indirect_partner_id", max: 64)
        try Check.length(req.associatedOnBegin, "associated_on_begin", max: 20)
        try Check.length(req.associatedOnEnd, "associated_on_end", max: 20)
        begin = try Check.utcTime(Check.nonEmpty(req.associatedOnBegin), "associated_on_begin")
        end = try Check.utcTimeEnd(Check.nonEmpty(req.associatedOnEnd), "associated_on_end")
        page = try Page(offset: req.offset, limit: req.limit)
        accountName = Check.nonEmpty(req.accountName)
        indirectPartnerID = Check.nonEmpty(req.indirectPartnerID)
    }
}

/// QueryCustomerListOld: the v1.0 filters (camelCase, a 1-based page number), checked and
/// turned into ListSubCustomers' filter.
public struct LegacyCustomerFilter: Sendable {
    public var v2: SubCustomerFilter

    /// The path names the partner; it must be the caller (no partner reads another's list).
    public init(partnerID: String, caller: Principal, _ q: LegacyCustomerQuery) throws {
        try Check.length(partnerID, "partner_id", max: 64)
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
        v2 = try SubCustomerFilter(QuerySubCustomersRequest(
            accountName: q.domainName, customer: q.name, offset: offset, limit: limit, label: q.label,
            associationType: q.cooperationType, associatedOnBegin: Check.nonEmpty(q.cooperationTimeStart),
            associatedOnEnd: Check.nonEmpty(q.cooperationTimeEnd), customerID: q.customerId, indirectPartnerID: nil))
    }
}

/// CheckUserIdentity: which identity to look up, its form checked.
public enum IdentityQuestion: CheckedRequest {
    /// The national number (the country code, only 0086, is checked and dropped).
    case mobile(String)
    case email(String)
    case name(String)

    public init(_ r: CheckIdentityRequest) throws {
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
            self = .mobile(parts[1])
        case "email":
            guard value.contains("@"), !value.hasPrefix("@"), !value.hasSuffix("@") else { throw Refusal.parameter("search_value", "must be a complete e-mail address") }
            self = .email(value)
        default:
            do { try CustomerRules.validateDomainName(value) } catch { throw Refusal.parameter("search_value", "is not a valid account name") }
            self = .name(value)
        }
    }
}
