import Foundation
import SQLKit

extension CustomerStore {
    /// QueryCustomerListOld: the v1.0 list over the same data as ListSubCustomers.
    public func legacyList(caller: Principal, _ q: LegacyCustomerFilter) async throws -> LegacyCustomerList {
        let v2 = try await list(caller: caller, q.v2)
        return LegacyCustomerList(count: v2.count, customerInfoList: v2.customerInfos.map {
            LegacyCustomerInfo(domainName: $0.accountName, name: $0.customer, customerId: $0.customerID, cooperationTime: $0.associatedOn,
                               cooperationType: $0.associationType, label: $0.label, telephone: $0.telephone, verifiedStatus: $0.verifiedStatus,
                               countryCode: $0.countryCode, customerType: $0.customerType, isFrozen: $0.isFrozen)
        })
    }

    /// CheckUserIdentity: is a name, mobile or e-mail still free for a new customer?
    public func checkIdentity(_ q: IdentityQuestion) async throws -> CheckIdentityResponse {
        switch q {
        case .mobile(let number):
            let taken = try await database.read { try await $0.raw("SELECT id FROM accounts WHERE mobile = \(bind: number)").first() != nil }
            // One customer per mobile number here, so the remaining count is 1 or 0.
            return CheckIdentityResponse(checkResult: taken ? "used_by_user" : "available", mobileRemainAvailableNum: taken ? 0 : 1)
        case .email(let address):
            let taken = try await database.read { try await $0.raw("SELECT id FROM accounts WHERE LOWER(email) = \(bind: address.lowercased())").first() != nil }
            return CheckIdentityResponse(checkResult: taken ? "used_by_user" : "available")
        case .name(let value):
            let taken = try await database.read { try await $0.raw("SELECT id FROM accounts WHERE name = \(bind: value)").first() != nil }
            return CheckIdentityResponse(checkResult: taken ? "used_by_user" : "available")
        }
    }
}
