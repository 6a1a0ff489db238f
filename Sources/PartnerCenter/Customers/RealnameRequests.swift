import Foundation

// The real-name operations' bodies, checked at the edge into one application the store makes.

/// One real-name application, its form checked: who, which documents, and whether the
/// answer is automatic (a bank-card check) or waits for the operator's review.
public struct RealnameSubmission: Sendable {
    public var customerID: String
    public var kind: RealnameStore.Kind
    public var identifyType: Int
    public var verifiedType: Int?
    public var certificateType: Int?
    public var name: String
    public var verifiedNumber: String
    public var files: [String]
    public var details: [String: String]
    public var xaccountType: String
    /// Bank-card checks answer at once; document reviews queue for the operator.
    public var automatic: Bool
    /// A bank-card check: the SMS code sent for its mobile (SendVerificationMessageCode, scene 18).
    public var bankCode: String? = nil

    static let fileExtensions: Set<String> = ["jpg", "jpeg", "bmp", "png", "gif", "pdf"]

    static func checkFiles(_ files: [String]?, count: ClosedRange<Int>) throws -> [String] {
        guard let files, !files.isEmpty else { throw Refusal.parameter("verified_file_url", "is required") }
        guard files.count <= 4 else { throw Refusal.parameter("verified_file_url", "has more than 4 entries") }
        guard count.contains(files.count) else {
            throw Refusal.parameter("verified_file_url", "must have \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound)-\(count.upperBound)") entries for this authentication type")
        }
        for f in files {
            // Relative object paths under the bucket's download/ directory only.
            guard !f.isEmpty, f.count <= 255, !f.hasPrefix("/"), !f.contains("://"), !f.hasPrefix("download/"), !f.contains("..") else {
                throw Refusal.parameter("verified_file_url", "must hold paths relative to the bucket's download/ directory, e.g. test/abc023.jpg")
            }
            let ext = (f as NSString).pathExtension.lowercased()
            guard fileExtensions.contains(ext) else {
                throw Refusal(.attachmentFormat, "The attachment format of \(f) is not allowed: use jpg, jpeg, bmp, png, gif or pdf.")
            }
        }
        return files
    }

    static func checkCorpName(_ name: String) throws {
        // Must not be only digits, special characters or spaces.
        guard name.contains(where: { $0.isLetter }) else { throw Refusal.parameter("corp_name", "must not consist only of digits, special characters or spaces") }
    }

    /// CreatePersonalRealnameAuth: by identity documents (identify_type 0) or bank card (4).
    public init(individual r: IndividualRealnameRequest) throws {
        let customerID = try Check.required(r.customerID, "customer_id", max: 64)
        guard let identifyType = r.identifyType else { throw Refusal.parameter("identify_type", "is required") }
        guard identifyType == 0 || identifyType == 4 else { throw Refusal.parameter("identify_type", "must be 0 (identity document) or 4 (bank card)") }
        let name = try Check.required(r.name, "name", max: 255)
        let number = try Check.required(r.verifiedNumber, "verified_number", max: 32)
        let xType = try Check.required(r.xaccountType, "xaccount_type", max: 64)
        if let c = r.changeType, c != -1 { throw Refusal.parameter("change_type", "must be -1 (first authentication)") }
        var details: [String: String] = [:]
        let files: [String]
        var bankCode: String?
        if identifyType == 0 {
            guard let vt = r.verifiedType else { throw Refusal.parameter("verified_type", "is required when identify_type is 0") }
            guard [3, 5, 6, 9, 10].contains(vt) else { throw Refusal.parameter("verified_type", "must be one of 3, 5, 6, 9, 10") }
            files = try Self.checkFiles(r.verifiedFileURL, count: 3...3)
        } else {
            guard let card = r.bankCardInfo else { throw Refusal.parameter("bank_card_info", "is required when identify_type is 4") }
            let account = try Check.required(card.bankAccount, "bank_card_info.bank_account", max: 32)
            guard let first = account.unicodeScalars.first, first.isASCII, CharacterSet.alphanumerics.contains(first),
                  account.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }) else {
                throw Refusal.parameter("bank_card_info.bank_account", "must be letters, digits and '-', starting with a letter or digit")
            }
            let area = try Check.required(card.areacode, "bank_card_info.areacode", max: 8)
            let mobile = try Check.required(card.mobile, "bank_card_info.mobile", max: 32)
            let code = try Check.required(card.verificationCode, "bank_card_info.verification_code", max: 32)
            guard code.count == 6, code.allSatisfy(\.isNumber) else { throw Refusal(.verificationCodeExpired, "The verification code has expired or is invalid.") }
            bankCode = code
            if area == "0086" { try CustomerRules.validateMobile(mobile) }
            details = ["bank_account": account, "areacode": area, "mobile": mobile]
            files = try Self.checkFiles(r.verifiedFileURL, count: 1...1)
        }
        self.init(customerID: customerID, kind: .individual, identifyType: identifyType, verifiedType: r.verifiedType, certificateType: nil,
                  name: name, verifiedNumber: number, files: files, details: details, xaccountType: xType, automatic: identifyType == 4)
        self.bankCode = bankCode
    }

    /// CreateEnterpriseRealnameAuthentication, or with `change` ChangeEnterpriseRealnameAuthentication
    /// (an individual customer becoming an enterprise).
    public init(enterprise r: EnterpriseRealnameRequest, change: Bool) throws {
        let customerID = try Check.required(r.customerID, "customer_id", max: 64)
        guard let identifyType = r.identifyType else { throw Refusal.parameter("identify_type", "is required") }
        guard identifyType == 1 else { throw Refusal.parameter("identify_type", "must be 1 (organisation documents)") }
        if let ct = r.certificateType, ![0, 1, 2, 3, 4, 99].contains(ct) { throw Refusal.parameter("certificate_type", "must be one of 0, 1, 2, 3, 4, 99") }
        let corp = try Check.required(r.corpName, "corp_name", max: 255)
        try Self.checkCorpName(corp)
        let number = try Check.required(r.verifiedNumber, "verified_number", max: 64)
        let xType = try Check.required(r.xaccountType, "xaccount_type", max: 64)
        try Check.length(r.regAddress, "reg_address", max: 255)
        if let c = r.regCountry, !c.isEmpty, !(c.count == 2 && c.allSatisfy({ $0.isASCII && $0.isUppercase })) {
            throw Refusal.parameter("reg_country", "must be an ISO 3166 alpha-2 code such as CN")
        }
        if change {
            guard let c = r.changeType else { throw Refusal.parameter("change_type", "is required") }
            guard c == 1 else { throw Refusal.parameter("change_type", "must be 1 (individual to enterprise)") }
        }
        var details: [String: String] = [:]
        if let a = r.regCountry { details["reg_country"] = a }
        if let a = r.regAddress { details["reg_address"] = a }
        var fileCount = 1...1
        if let p = r.enterprisePerson {
            details["legel_name"] = try Check.required(p.legelName, "enterprise_person.legel_name", max: 255)
            details["legel_id_number"] = try Check.required(p.legelIDNumber, "enterprise_person.legel_id_number", max: 64)
            try Check.length(p.certifierRole, "enterprise_person.certifier_role", max: 32)
            if let role = p.certifierRole { details["certifier_role"] = role }
            fileCount = 1...3
        }
        let files = try Self.checkFiles(r.verifiedFileURL, count: fileCount)
        self.init(customerID: customerID, kind: change ? .change : .enterprise, identifyType: identifyType, verifiedType: nil,
                  certificateType: r.certificateType, name: corp, verifiedNumber: number, files: files, details: details,
                  xaccountType: xType, automatic: false)
    }

    init(customerID: String, kind: RealnameStore.Kind, identifyType: Int, verifiedType: Int?, certificateType: Int?, name: String,
         verifiedNumber: String, files: [String], details: [String: String], xaccountType: String, automatic: Bool) {
        self.customerID = customerID
        self.kind = kind
        self.identifyType = identifyType
        self.verifiedType = verifiedType
        self.certificateType = certificateType
        self.name = name
        self.verifiedNumber = verifiedNumber
        self.files = files
        self.details = details
        self.xaccountType = xaccountType
        self.automatic = automatic
    }
}
