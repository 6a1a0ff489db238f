import Foundation
import Hummingbird
import Logging

/// The reference IdP a partner can run inside partner-center for its own customers, under
/// `/idp/{partner}/`: it checks the SP's signed AuthnRequest, asks for the customer's name and
/// password, and POSTs a signed Response with the attributes Huawei requires to the SP's ACS.
struct BuiltinIdP: Sendable {
    let platform: Platform
    let config: SSOConfig
    let keys: SSOKeys
    var store: SAMLStore { platform.saml }

    func partner(_ id: String) async throws -> AccountStore.Account {
        guard (1...64).contains(id.count), id.allSatisfy(\.isHexDigit), let p = try await platform.accounts.account(id: id), p.kind.isPartner else {
            throw SSOFailure("request", "there is no partner \(id)")
        }
        return p
    }

    func metadata(_ partnerID: String) async throws -> Response {
        _ = try await partner(partnerID)
        let xml = SAML.idpMetadata(entityID: config.idpEntityID(partnerID), ssoURL: config.idpSSO(partnerID), pair: try await keys.idp(partnerID))
        return Response(status: .ok, headers: [.contentType: "application/samlmetadata+xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    /// HTTP-Redirect SSO endpoint: the SP's signature is checked over the query exactly as sent.
    func sso(_ request: Request, _ context: PCContext) async throws -> Response {
        let partnerID = context.parameters.get("partner") ?? ""
        _ = try await partner(partnerID)
        let raw = FormData.raw(request.uri.query ?? "")
        guard let samlRequest = raw["SAMLRequest"], !samlRequest.isEmpty else { throw SSOFailure("request", "SAMLRequest is missing") }
        guard let sigAlg = raw["SigAlg"], let signature = raw["Signature"] else {
            throw SSOFailure("signature", "the AuthnRequest is not signed (SigAlg and Signature are required)")
        }
        guard sigAlg.removingPercentEncoding == SAML.rsaSHA256 else { throw SSOFailure("signature", "SigAlg must be \(SAML.rsaSHA256)") }
        var signed = "SAMLRequest=" + samlRequest
        if let relay = raw["RelayState"] { signed += "&RelayState=" + relay }
        signed += "&SigAlg=" + sigAlg
        guard let sigValue = signature.removingPercentEncoding,
              XMLSecurity.rsaVerify(signed, signatureBase64: sigValue, certPEM: try await keys.sp().certPEM) else {
            throw SSOFailure("signature", "the AuthnRequest's signature does not verify with the SP certificate")
        }
        guard let b64 = samlRequest.removingPercentEncoding, let deflated = Data(base64Encoded: b64),
              let xml = XMLSecurity.inflate(Array(deflated)) else {
            throw SSOFailure("encoding", "SAMLRequest is not deflated base64")
        }
        let tree = try XMLTree(parsing: xml, check: "xml")
        let root = tree.root
        guard root.is("AuthnRequest", SAML.protocolNS), let requestID = root.attribute("ID"), !requestID.isEmpty else {
            throw SSOFailure("structure", "SAMLRequest is not an AuthnRequest with an ID")
        }
        guard root.child("Issuer", SAML.assertionNS)?.text.trimmingCharacters(in: .whitespacesAndNewlines) == config.spEntityID else {
            throw SSOFailure("issuer", "the AuthnRequest does not come from the SP \(config.spEntityID)")
        }
        if let destination = root.attribute("Destination"), destination != config.idpSSO(partnerID) {
            throw SSOFailure("destination", "the AuthnRequest is addressed to another IdP")
        }
        if let acs = root.attribute("AssertionConsumerServiceURL"), acs != config.acs {
            throw SSOFailure("destination", "the AuthnRequest names an assertion consumer other than \(config.acs)")
        }
        if let instant = root.attribute("IssueInstant").flatMap(SAML.parseTime), abs(WireTime.nowMillis() - instant) > 10 * 60 * 1000 {
            throw SSOFailure("time", "the AuthnRequest is too old or from the future")
        }
        let relayState = raw["RelayState"].flatMap { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding } ?? ""
        let token = try await store.beginLogin(.init(partnerID: partnerID, requestID: requestID, acs: config.acs, relayState: relayState))
        return loginForm(partnerID: partnerID, token: token, message: nil, username: "")
    }

    func loginForm(partnerID: String, token: String, message: String?, username: String) -> Response {
        let e = HTML.esc
        let error = message.map { "<section class=\"error\"><p>\(e($0))</p></section>" } ?? ""
        return HTML.response(message == nil ? .ok : .unauthorized, HTML.page(title: "Sign in", header: "Partner sales platform", body: """
            \(error)<section><h2>Sign in to continue to the cloud console</h2>
            <form class="box" method="post" action="/idp/\(e(partnerID))/login">
            <input type="hidden" name="token" value="\(e(token))">
            <label>Account name <input name="username" value="\(e(username))" required autocomplete="username"></label>
            <label>Password <input name="password" type="password" required autocomplete="current-password"></label>
            <input type="submit" value="Sign in"></form></section>
            """))
    }

    func login(_ request: Request, _ context: PCContext) async throws -> Response {
        let partnerID = context.parameters.get("partner") ?? ""
        let partner = try await partner(partnerID)
        let form = try await FormData.body(request, limit: 64 * 1024)
        guard let token = form["token"], let pending = try await store.login(token: token), pending.partnerID == partnerID else {
            throw SSOFailure("request", "this sign-in form has expired; start again from the partner platform")
        }
        let username = form["username"] ?? "", password = form["password"] ?? ""
        // Only this platform's own users: customers bound under the partner's xAccountType.
        guard let found = try await store.checkCustomerPassword(domainName: username, password: password),
              found.xaccountType == partner.xaccountType else {
            context.logger.info("idp login failed", metadata: ["partner": .string(partnerID), "username": .string(username)])
            return loginForm(partnerID: partnerID, token: token, message: "The account name or password is wrong.", username: username)
        }
        try await store.finishLogin(token: token)
        let attributes = [("xUserId", found.xaccountID), ("xAccountId", found.xaccountID), ("bpId", partnerID),
                          ("name", username), ("mobile", found.mobile ?? ""), ("email", "")]
        let xml = try SAML.response(.init(issuer: config.idpEntityID(partnerID), destination: pending.acs, inResponseTo: pending.requestID,
                                          audience: config.spEntityID, attributes: attributes, now: WireTime.nowMillis()),
                                    key: try await keys.idp(partnerID))
        context.logger.info("idp login", metadata: ["partner": .string(partnerID), "customer_id": .string(found.id)])
        return HTML.autoPost(action: pending.acs, fields: [("SAMLResponse", Data(xml.utf8).base64EncodedString()), ("RelayState", pending.relayState)],
                             title: "Signed in", note: "Taking you to the cloud console…")
    }
}
