import Foundation

// Wire models, keys exactly as the official SDK's models spell them.

/// CreateCustomerV2Req
public struct CreateCustomerRequest: Codable, Sendable {
    public var domainName: String?
    public var mobilePhone: String?
    public var verificationCode: String?
    public var xaccountID: String?
    public var xaccountType: String?
    public var password: String?
    public var isCloseMarketMs: String?
    public var cooperationType: String?
    public var indirectPartnerID: String?
    public var includeAssociationResult: Bool?

    enum CodingKeys: String, CodingKey {
        case domainName = "domain_name", mobilePhone = "mobile_phone", verificationCode = "verification_code"
        case xaccountID = "xaccount_id", xaccountType = "xaccount_type", password
        case isCloseMarketMs = "is_close_market_ms", cooperationType = "cooperation_type"
        case indirectPartnerID = "indirect_partner_id", includeAssociationResult = "include_association_result"
    }
}

/// CreateSubCustomerResponse
public struct CreateCustomerResponse: Codable, Sendable {
    public var domainID: String
    public var domainName: String
    enum CodingKeys: String, CodingKey { case domainID = "domain_id", domainName = "domain_name" }
}

/// QuerySubCustomerListReq
public struct QuerySubCustomersRequest: Codable, Sendable {
    public var accountName: String?
    public var customer: String?
    public var offset: Int?
    public var limit: Int?
    public var label: String?
    public var associationType: String?
    public var associatedOnBegin: String?
    public var associatedOnEnd: String?
    public var customerID: String?
    public var indirectPartnerID: String?

    enum CodingKeys: String, CodingKey {
        case accountName = "account_name", customer, offset, limit, label, associationType = "association_type"
        case associatedOnBegin = "associated_on_begin", associatedOnEnd = "associated_on_end"
        case customerID = "customer_id", indirectPartnerID = "indirect_partner_id"
    }
}

public struct AccountManager: Codable, Sendable {
    public var accountName: String?
    enum CodingKeys: String, CodingKey { case accountName = "account_name" }
}

/// CustomerInformation
public struct CustomerInformation: Codable, Sendable {
    public var customer: String?
    public var accountName: String?
    public var customerID: String?
    public var associatedOn: String?
    public var associationType: String?
    public var label: String?
    public var telephone: String?
    public var verifiedStatus: String?
    public var countryCode: String?
    public var customerType: Int?
    public var isFrozen: Int?
    public var accountManagers: [AccountManager]?
    public var xaccountID: String?
    public var xaccountType: String?
    public var customerLevel: String?
    public var email: String?

    enum CodingKeys: String, CodingKey {
        case customer, accountName = "account_name", customerID = "customer_id", associatedOn = "associated_on"
        case associationType = "association_type", label, telephone, verifiedStatus = "verified_status"
        case countryCode = "country_code", customerType = "customer_type", isFrozen = "is_frozen"
        case accountManagers = "account_managers", xaccountID = "xaccount_id", xaccountType = "xaccount_type"
        case customerLevel = "customer_level", email
    }
}

/// ListSubCustomersResponse
public struct ListSubCustomersResponse: Codable, Sendable {
    public var customerInfos: [CustomerInformation]
    public var count: Int
    enum CodingKeys: String, CodingKey { case customerInfos = "customer_infos", count }
}

/// QueryIndirectPartnersReq
public struct QueryIndirectPartnersRequest: Codable, Sendable {
    public var accountName: String?
    public var associatedOnBegin: String?
    public var associatedOnEnd: String?
    public var offset: Int?
    public var limit: Int?
    public var indirectPartnerID: String?

    enum CodingKeys: String, CodingKey {
        case accountName = "account_name", associatedOnBegin = "associated_on_begin", associatedOnEnd = "associated_on_end"
        case offset, limit, indirectPartnerID = "indirect_partner_id"
    }
}

/// IndirectPartnerInfo
public struct IndirectPartnerInfo: Codable, Sendable {
    public var indirectPartnerID: String
    public var mobilePhone: String?
    public var email: String?
    public var accountName: String
    public var name: String
    public var associatedOn: String
    public var accountManagerID: String?
    public var accountManagerName: String?

    enum CodingKeys: String, CodingKey {
        case indirectPartnerID = "indirect_partner_id", mobilePhone = "mobile_phone", email, accountName = "account_name"
        case name, associatedOn = "associated_on", accountManagerID = "account_manager_id", accountManagerName = "account_manager_name"
    }
}

/// ListIndirectPartnersResponse
public struct ListIndirectPartnersResponse: Codable, Sendable {
    public var count: Int
    public var indirectPartners: [IndirectPartnerInfo]
    enum CodingKeys: String, CodingKey { case count, indirectPartners = "indirect_partners" }
}
