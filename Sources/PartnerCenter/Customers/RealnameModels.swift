import Foundation

/// BankCardInfoV2
public struct BankCardInfo: Codable, Sendable {
    public var bankAccount: String?
    public var areacode: String?
    public var mobile: String?
    public var verificationCode: String?
    enum CodingKeys: String, CodingKey { case bankAccount = "bank_account", areacode, mobile, verificationCode = "verification_code" }
}

/// ApplyIndividualRealnameAuthsReq
public struct IndividualRealnameRequest: Codable, Sendable {
    public var customerID: String?
    public var identifyType: Int?
    public var verifiedType: Int?
    public var verifiedFileURL: [String]?
    public var name: String?
    public var verifiedNumber: String?
    public var changeType: Int?
    public var xaccountType: String?
    public var bankCardInfo: BankCardInfo?
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", identifyType = "identify_type", verifiedType = "verified_type"
        case verifiedFileURL = "verified_file_url", name, verifiedNumber = "verified_number", changeType = "change_type"
        case xaccountType = "xaccount_type", bankCardInfo = "bank_card_info"
    }
}

/// EnterprisePersonNew (the `legel_` spelling is Huawei's).
public struct EnterprisePerson: Codable, Sendable {
    public var legelName: String?
    public var legelIDNumber: String?
    public var certifierRole: String?
    enum CodingKeys: String, CodingKey { case legelName = "legel_name", legelIDNumber = "legel_id_number", certifierRole = "certifier_role" }
}

/// ApplyEnterpriseRealnameAuthsReq and ChangeEnterpriseRealnameAuthsReq (the latter adds change_type).
public struct EnterpriseRealnameRequest: Codable, Sendable {
    public var customerID: String?
    public var identifyType: Int?
    public var certificateType: Int?
    public var verifiedFileURL: [String]?
    public var corpName: String?
    public var verifiedNumber: String?
    public var regCountry: String?
    public var regAddress: String?
    public var changeType: Int?
    public var xaccountType: String?
    public var enterprisePerson: EnterprisePerson?
    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", identifyType = "identify_type", certificateType = "certificate_type"
        case verifiedFileURL = "verified_file_url", corpName = "corp_name", verifiedNumber = "verified_number"
        case regCountry = "reg_country", regAddress = "reg_address", changeType = "change_type"
        case xaccountType = "xaccount_type", enterprisePerson = "enterprise_person"
    }
}

public struct RealnameApplyResponse: Codable, Sendable {
    public var isReview: Int
    enum CodingKeys: String, CodingKey { case isReview = "is_review" }
}

/// ShowRealNameAuthStatusResponse: -1 never applied, 0 under review, 1 rejected, 2 verified;
/// the type (0 individual, 1 enterprise) is absent while never applied.
public struct RealnameStatusResponse: Codable, Sendable {
    public var verifiedStatus: Int
    public var verifiedType: Int?
    enum CodingKeys: String, CodingKey { case verifiedStatus = "verified_status", verifiedType = "verified_type" }
}

public struct RealnameResultResponse: Codable, Sendable {
    public var reviewResult: Int?
    public var opinion: String?
    enum CodingKeys: String, CodingKey { case reviewResult = "review_result", opinion }
}

/// An application as the operator's review queue shows it.
public struct RealnameApplication: Codable, Sendable {
    public var id: String
    public var customerID: String
    public var customerName: String
    public var partnerID: String
    public var kind: String
    public var identifyType: Int
    public var name: String
    public var verifiedNumber: String
    public var files: [String]
    public var status: String
    public var opinion: String?
    public var submittedAt: String
    public var reviewedAt: String?
    enum CodingKeys: String, CodingKey {
        case id, customerID = "customer_id", customerName = "customer_name", partnerID = "partner_id", kind
        case identifyType = "identify_type", name, verifiedNumber = "verified_number", files, status, opinion
        case submittedAt = "submitted_at", reviewedAt = "reviewed_at"
    }
}

/// CheckSubcustomerUserReq / CheckUserIdentityResponse
public struct CheckIdentityRequest: Codable, Sendable {
    public var searchType: String?
    public var searchValue: String?
    enum CodingKeys: String, CodingKey { case searchType = "search_type", searchValue = "search_value" }
}

public struct CheckIdentityResponse: Codable, Sendable {
    public var checkResult: String
    public var mobileRemainAvailableNum: Int?
    enum CodingKeys: String, CodingKey { case checkResult = "check_result", mobileRemainAvailableNum = "mobile_remain_available_num" }
}
