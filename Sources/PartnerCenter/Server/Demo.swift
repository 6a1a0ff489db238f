import Foundation

/// `serve --demo`: a solution provider with two customers of its own, a distributor with a
/// reseller under it and one customer of that reseller, created once and reused on every
/// later start. (A distributor acquires customers only for its resellers, as at Huawei, so
/// the examples that need direct customers use the solution provider.) Ids and keys are fixed so examples and scripts written
/// against the sandbox work as written on any machine; never use --demo for real tenants.
public enum Demo {
    public struct Credentials: Codable, Sendable {
        public var role: String
        public var domainID: String
        public var domainName: String
        public var xaccountType: String?
        public var accessKey: String
        public var secretKey: String
        public var password: String
        enum CodingKeys: String, CodingKey {
            case role, domainID = "domain_id", domainName = "domain_name", xaccountType = "xaccount_type"
            case accessKey = "access_key", secretKey = "secret_key", password
        }
    }

    public static let password = "Demo@2026pass"

    public static let partnerID = "0d15781b07a4e10c8e0f4f7ad9ab4e03"
    public static let partnerKeys = AccountStore.KeyPair(accessKey: "DEMOPARTNERAK0000001", secretKey: "DemoPartnerSecretKey00000000000000000001")
    public static let distributorID = "0d15781b07a4e10c8e0f4f7ad9ab4e01"
    public static let resellerID = "0d15781b07a4e10c8e0f4f7ad9ab4e02"
    public static let distributorKeys = AccountStore.KeyPair(accessKey: "DEMODISTRIBUTORAK001", secretKey: "DemoDistributorSecretKey0000000000000001")
    public static let resellerKeys = AccountStore.KeyPair(accessKey: "DEMORESELLERAK000001", secretKey: "DemoResellerSecretKey0000000000000000001")

    static func partner(_ platform: Platform, name: String, kind: AccountKind, parent: String?, id: String, keys fixed: AccountStore.KeyPair) async throws -> Credentials {
        let accounts = platform.accounts
        if let existing = try await accounts.account(name: name) {
            let keys: AccountStore.KeyPair
            if let k = try await accounts.firstKey(accountID: existing.domainID) { keys = k } else { keys = try await accounts.createKey(accountID: existing.domainID) }
            return Credentials(role: kind.rawValue, domainID: existing.domainID, domainName: name, xaccountType: existing.xaccountType,
                               accessKey: keys.accessKey, secretKey: keys.secretKey, password: password)
        }
        let (account, keys) = try await accounts.createPartner(name: name, kind: kind, parentID: parent, password: password, fixedID: id, fixedKeys: fixed)
        return Credentials(role: kind.rawValue, domainID: account.domainID, domainName: name, xaccountType: account.xaccountType,
                           accessKey: keys.accessKey, secretKey: keys.secretKey, password: password)
    }

    public static func seed(_ platform: Platform) async throws -> [Credentials] {
        let provider = try await partner(platform, name: "demo-partner", kind: .solutionProvider, parent: nil, id: partnerID, keys: partnerKeys)
        let distributor = try await partner(platform, name: "demo-distributor", kind: .distributor, parent: nil, id: distributorID, keys: distributorKeys)
        let reseller = try await partner(platform, name: "demo-reseller", kind: .reseller, parent: distributor.domainID, id: resellerID, keys: resellerKeys)
        let asProvider = Principal(domainID: provider.domainID, domainName: provider.domainName, kind: .solutionProvider, parentID: nil, via: "demo")
        let asDistributor = Principal(domainID: distributor.domainID, domainName: distributor.domainName, kind: .distributor, parentID: nil, via: "demo")
        for (name, xid, forReseller) in [("demo-customer-01", "demo-user-01", false), ("demo-customer-02", "demo-user-02", false), ("demo-customer-03", "demo-user-03", true)]
        where try await platform.accounts.account(name: name) == nil {
            // The distributor creates its reseller's customer (indirect_partner_id), as Huawei requires.
            _ = try await platform.customers.create(caller: forReseller ? asDistributor : asProvider, try NewCustomer(CreateCustomerRequest(
                domainName: name, xaccountID: xid, xaccountType: forReseller ? distributor.xaccountType : provider.xaccountType, password: password,
                indirectPartnerID: forReseller ? reseller.domainID : nil)))
        }
        return [provider, distributor, reseller]
    }
}
