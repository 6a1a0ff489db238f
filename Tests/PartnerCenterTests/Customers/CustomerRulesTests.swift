import Testing
@testable import PartnerCenter

struct CustomerRulesTests {
    func code(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch let r as Refusal { return r.rule.wire.code } catch { return "other" }
    }

    @Test func domainNames() {
        #expect(code { try CustomerRules.validateDomainName("acme_cust_01") } == nil)
        #expect(code { try CustomerRules.validateDomainName("abcd") } == "CBC.99000031")
        #expect(code { try CustomerRules.validateDomainName(String(repeating: "a", count: 33)) } == "CBC.99000031")
        #expect(code { try CustomerRules.validateDomainName("1acme") } == "CBC.99000031")
        #expect(code { try CustomerRules.validateDomainName("op_acme") } == "CBC.99000031")
        #expect(code { try CustomerRules.validateDomainName("shadow_acme") } == "CBC.99000031")
        #expect(code { try CustomerRules.validateDomainName("acme cust") } == "CBC.99000031")
        #expect(code { try CustomerRules.validateDomainName("acmé_cust") } == "CBC.99000031")
        #expect(code { try CustomerRules.validateDomainName(CustomerRules.randomDomainName()) } == nil)
    }

    @Test func passwords() {
        #expect(code { try CustomerRules.validatePassword("Passw0rd!x", accountName: "acme_cust", mobile: nil) } == nil)
        #expect(code { try CustomerRules.validatePassword("short1A", accountName: "acme_cust", mobile: nil) } == "CBC.99000036")
        #expect(code { try CustomerRules.validatePassword("alllowercase", accountName: "acme_cust", mobile: nil) } == "CBC.99000036")
        #expect(code { try CustomerRules.validatePassword("Acme_cust", accountName: "acme_cust", mobile: nil) } == "CBC.99000036")
        #expect(code { try CustomerRules.validatePassword("tsuc_emca", accountName: "acme_cust", mobile: nil) } == "CBC.99000036")
        #expect(code { try CustomerRules.validatePassword("x13800000000", accountName: "acme_cust", mobile: "13800000000") } == "CBC.99000036")
        #expect(code { try CustomerRules.validatePassword(CustomerRules.randomPassword(), accountName: "acme_cust", mobile: nil) } == nil)
    }

    @Test func mobiles() {
        #expect(code { try CustomerRules.validateMobile("13800000000") } == nil)
        #expect(code { try CustomerRules.validateMobile("12800000000") } == "CBC.5017")
        #expect(code { try CustomerRules.validateMobile("1380000000") } == "CBC.5017")
        #expect(code { try CustomerRules.validateMobile("+8613800000000") } == "CBC.5017")
        #expect(CustomerRules.mask("13800001234") == "138****1234")
    }
}
