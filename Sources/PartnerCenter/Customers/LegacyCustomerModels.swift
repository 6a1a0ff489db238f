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
