import Foundation
import Testing
@testable import PartnerCenter

/// The SP's checks on real signed Responses made with libxmlsec1: each tampering must fail
/// on the rule it breaks, and an untouched Response must pass.
struct AssertionCheckTests {
    static let idpKeys = try! SigningKeyPair.generate(commonName: "test idp")
    static let otherKeys = try! SigningKeyPair.generate(commonName: "attacker")
    static let acs = "http://127.0.0.1:8080/authui/saml/SAMLAssertionConsumer"
    static let sp = SSOConfig.huaweiEntityID
    static let partner = "0d15781b07a4e10c8e0f4f7ad9ab4e01"
    static let idp = SAMLStore.RegisteredIdP(partnerID: partner, xaccountType: "ZXT", entityID: "https://idp.example/",
                                             ssoURL: "https://idp.example/sso", signingCert: idpKeys.certPEM, notifyURL: nil, builtin: false)

    static func response(_ attrs: [(String, String)] = [("xUserId", "u1"), ("xAccountId", "u1"), ("bpId", partner)],
                         issuer: String = "https://idp.example/", audience: String = sp, destination: String = acs,
                         now: Int64 = WireTime.nowMillis(), keys: SigningKeyPair = idpKeys) throws -> String {
        try SAML.response(.init(issuer: issuer, destination: destination, inResponseTo: "_req1", audience: audience,
                                attributes: attrs, now: now), key: keys)
    }

    static func check(_ xml: String, now: Int64 = WireTime.nowMillis()) throws -> AssertionCheck.Verified {
        let (tree, irt) = try AssertionCheck.read(samlResponse: Data(xml.utf8).base64EncodedString())
        #expect(irt == "_req1")
        return try AssertionCheck.verify(tree, idp: idp, requestID: "_req1", acs: acs, spEntityID: sp, now: now)
    }

    static func failedCheck(_ xml: String, now: Int64 = WireTime.nowMillis()) -> String? {
        do { _ = try check(xml, now: now); return nil } catch let f as SSOFailure { return f.check } catch { return "other: \(error)" }
    }

    @Test func anUntouchedResponsePasses() throws {
        let v = try Self.check(try Self.response())
        #expect(v.xUserID == "u1")
        #expect(v.bpID == Self.partner)
    }

    @Test func tamperingBreaksTheSignature() throws {
        let xml = try Self.response().replacingOccurrences(of: ">u1<", with: ">u2<")
        #expect(Self.failedCheck(xml) == "signature")
    }

    @Test func anotherKeyIsRefused() throws {
        #expect(Self.failedCheck(try Self.response(keys: Self.otherKeys)) == "signature")
    }

    @Test func unsignedIsRefused() throws {
        let xml = try Self.response()
        let start = xml.range(of: "<ds:Signature")!.lowerBound, end = xml.range(of: "</ds:Signature>")!.upperBound
        #expect(Self.failedCheck(xml.replacingCharacters(in: start..<end, with: "")) == "signature")
    }

    @Test func aSecondAssertionIsRefused() throws {
        let xml = try Self.response()
        let a = xml.range(of: "<saml2:Assertion ")!.lowerBound, b = xml.range(of: "</saml2:Assertion>")!.upperBound
        var copy = String(xml[a..<b])
        copy = copy.replacingOccurrences(of: "ID=\"_", with: "ID=\"_evil").replacingOccurrences(of: ">u1<", with: ">admin<")
        let wrapped = xml.replacingCharacters(in: a..<a, with: copy)
        #expect(Self.failedCheck(wrapped) == "structure")
    }

    @Test func wrongAudienceDestinationIssuerAndPartner() throws {
        #expect(Self.failedCheck(try Self.response(audience: "https://other.example/")) == "audience")
        #expect(Self.failedCheck(try Self.response(destination: "https://other.example/acs")) == "destination")
        #expect(Self.failedCheck(try Self.response(issuer: "https://other.example/")) == "issuer")
        #expect(Self.failedCheck(try Self.response([("xUserId", "u1"), ("xAccountId", "u2"), ("bpId", Self.partner)])) == "attributes")
        #expect(Self.failedCheck(try Self.response([("xUserId", "u1"), ("xAccountId", "u1"), ("bpId", "someoneelse")])) == "bp-id")
    }

    @Test func timeWindowHolds() throws {
        let now = WireTime.nowMillis()
        #expect(Self.failedCheck(try Self.response(now: now - 20 * 60 * 1000), now: now) == "time")
        #expect(Self.failedCheck(try Self.response(now: now + 20 * 60 * 1000), now: now) == "time")
        // Inside the 3-minute allowance either way.
        _ = try Self.check(try Self.response(now: now + 2 * 60 * 1000), now: now)
    }

    @Test func doctypeIsRefusedBeforeParsing() throws {
        let bomb = """
            <?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" InResponseTo="_req1">&b;</samlp:Response>
            """
        #expect(throws: SSOFailure.self) { _ = try AssertionCheck.read(samlResponse: Data(bomb.utf8).base64EncodedString()) }
    }

    @Test func onlyLocalConsolePagesAreServices() {
        let base = "http://127.0.0.1:8080"
        #expect(AssertionCheck.consolePath("/console/", publicURL: base) == "/console/")
        #expect(AssertionCheck.consolePath("http://127.0.0.1:8080/console/bills?m=1", publicURL: base) == "/console/bills?m=1")
        for bad in ["https://evil.example/console/", "//evil.example/console/", "/console/../authui", "/console/%2e%2e/x",
                    "/consolex", "javascript:alert(1)", "http://127.0.0.1:9999/console/", "/console\\@evil", ""] {
            #expect(AssertionCheck.consolePath(bad, publicURL: base) == nil, "\(bad)")
        }
    }

    @Test func metadataIsValidated() throws {
        let good = SAML.idpMetadata(entityID: "https://idp.example/", ssoURL: "https://idp.example/sso", pair: Self.idpKeys)
        let parsed = try IdPMetadata.parse(Array(good.utf8))
        #expect(parsed.entityID == "https://idp.example/")
        #expect(parsed.ssoURL == "https://idp.example/sso")
        #expect(throws: SSOFailure.self) { _ = try IdPMetadata.parse(Array(good.replacingOccurrences(of: "HTTP-Redirect", with: "HTTP-POST").utf8)) }
        #expect(throws: SSOFailure.self) { _ = try IdPMetadata.parse(Array((good + Self.idpKeys.keyPEM).utf8)) }
        #expect(throws: SSOFailure.self) { _ = try IdPMetadata.parse([0xff, 0xfe, 0x3c]) }
    }

    @Test func redirectSignatureRoundTrips() throws {
        let q = try SAML.redirectQuery(samlRequest: "<x/>", relayState: "r", key: Self.idpKeys)
        let parts = FormData.raw(q)
        let signed = "SAMLRequest=\(parts["SAMLRequest"]!)&RelayState=\(parts["RelayState"]!)&SigAlg=\(parts["SigAlg"]!)"
        #expect(XMLSecurity.rsaVerify(signed, signatureBase64: parts["Signature"]!.removingPercentEncoding!, certPEM: Self.idpKeys.certPEM))
        #expect(!XMLSecurity.rsaVerify(signed + "x", signatureBase64: parts["Signature"]!.removingPercentEncoding!, certPEM: Self.idpKeys.certPEM))
        let inflated = XMLSecurity.inflate(Array(Data(base64Encoded: parts["SAMLRequest"]!.removingPercentEncoding!)!))
        #expect(inflated.map { String(decoding: $0, as: UTF8.self) } == "<x/>")
    }
}
