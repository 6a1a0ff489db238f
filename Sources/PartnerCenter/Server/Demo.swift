import Foundation

/// `serve --demo`: a distributor, a reseller under it and two customers, created once
/// and reused on every later start, so a newcomer can call the SDK at once.
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

    static func partner(_ platform: Platform, name: String, kind: AccountKind, parent: String?) async throws -> Credentials {
        let accounts = platform.accounts
        if let existing = try await accounts.account(name: name) {
            let keys: AccountStore.KeyPair
            if let k = try await accounts.firstKey(accountID: existing.domainID) { keys = k } else { keys = try await accounts.createKey(accountID: existing.domainID) }
            return Credentials(role: kind.rawValue, domainID: existing.domainID, domainName: name, xaccountType: existing.xaccountType,
                               accessKey: keys.accessKey, secretKey: keys.secretKey, password: password)
        }
        let (account, keys) = try await accounts.createPartner(name: name, kind: kind, parentID: parent, password: password)
        return Credentials(role: kind.rawValue, domainID: account.domainID, domainName: name, xaccountType: account.xaccountType,
                           accessKey: keys.accessKey, secretKey: keys.secretKey, password: password)
    }

    public static func seed(_ platform: Platform) async throws -> [Credentials] {
        let distributor = try await partner(platform, name: "demo-distributor", kind: .distributor, parent: nil)
        let reseller = try await partner(platform, name: "demo-reseller", kind: .reseller, parent: distributor.domainID)
        let principal = Principal(domainID: distributor.domainID, domainName: distributor.domainName, kind: .distributor, parentID: nil, via: "demo")
        for (name, xid, forReseller) in [("demo-customer-01", "demo-user-01", false), ("demo-customer-02", "demo-user-02", false), ("demo-customer-03", "demo-user-03", true)]
        where try await platform.accounts.account(name: name) == nil {
            _ = try await platform.customers.create(caller: principal, CreateCustomerRequest(
                domainName: name, xaccountID: xid, xaccountType: distributor.xaccountType, password: password,
                indirectPartnerID: forReseller ? reseller.domainID : nil))
        }
        return [distributor, reseller]
    }
}
