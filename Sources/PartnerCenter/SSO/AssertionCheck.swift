import Foundation

/// The checks an SP makes on a SAML Response before trusting it. Pure: no storage, no clock of its own.
/// Each refusal names the failed check (`SSOFailure.check`) for the log line.
enum AssertionCheck {
    struct Verified {
        var assertionID: String
        var notOnOrAfter: Int64
        var attributes: [String: String]
        var xUserID: String
        var bpID: String
    }

    /// Decodes the POSTed `SAMLResponse` and answers the parsed tree and the request it says it answers.
    static func read(samlResponse: String) throws -> (XMLTree, inResponseTo: String) {
        guard samlResponse.utf8.count <= 1_500_000,
              let data = Data(base64Encoded: samlResponse.filter { !$0.isWhitespace }), !data.isEmpty else {
            throw SSOFailure("encoding", "SAMLResponse is not base64")
        }
        let tree = try XMLTree(parsing: Array(data), check: "xml")
        let root = tree.root
        guard root.is("Response", SAML.protocolNS) else { throw SSOFailure("structure", "the message is not a samlp:Response") }
        guard let irt = root.attribute("InResponseTo"), !irt.isEmpty else {
            throw SSOFailure("in-response-to", "the Response has no InResponseTo (unsolicited responses are not accepted)")
        }
        return (tree, irt)
    }

    static func verify(_ tree: XMLTree, idp: SAMLStore.RegisteredIdP, requestID: String, acs: String, spEntityID: String, now: Int64) throws -> Verified {
        let root = tree.root
        let skew = SAML.skewMillis
        guard root.attribute("Version") == "2.0" else { throw SSOFailure("structure", "the Response is not SAML 2.0") }
        guard root.attribute("InResponseTo") == requestID else { throw SSOFailure("in-response-to", "InResponseTo does not match the request") }
        guard let destination = root.attribute("Destination"), destination == acs else {
            throw SSOFailure("destination", "the Response's Destination is not this service's assertion consumer \(acs)")
        }
        guard root.child("Status", SAML.protocolNS)?.child("StatusCode", SAML.protocolNS)?.attribute("Value") == SAML.success else {
            throw SSOFailure("status", "the IdP did not report success")
        }
        if let issuer = root.child("Issuer", SAML.assertionNS), issuer.text.trimmingCharacters(in: .whitespacesAndNewlines) != idp.entityID {
            throw SSOFailure("issuer", "the Response's Issuer is not the registered IdP \(idp.entityID)")
        }
        guard root.descendants(SAML.encryptedAssertion, SAML.assertionNS).isEmpty else {
            throw SSOFailure("structure", "encrypted assertions are not accepted")
        }
        // Exactly one Assertion in the whole document, directly under the Response: a second
        // (signed or not) anywhere is how signature-wrapping attacks smuggle content.
        let assertions = root.descendants("Assertion", SAML.assertionNS)
        guard assertions.count == 1, let assertion = assertions.first, assertion.parent?.ptr == root.ptr else {
            throw SSOFailure("structure", "the Response must carry exactly one Assertion, directly inside it")
        }
        let signatures = root.descendants("Signature", XMLSecurity.dsig)
        for s in signatures where s.parent?.ptr != assertion.ptr && s.parent?.ptr != root.ptr {
            throw SSOFailure("structure", "a Signature sits outside the Response and Assertion")
        }
        let assertionSignatures = assertion.children("Signature", XMLSecurity.dsig)
        guard assertionSignatures.count == 1 else { throw SSOFailure("signature", "the Assertion is not signed") }
        guard let assertionID = assertion.attribute("ID"), !assertionID.isEmpty else { throw SSOFailure("structure", "the Assertion has no ID") }
        try tree.registerIDs()
        guard try XMLSecurity.verify(assertionSignatures[0], certPEM: idp.signingCert) == "#" + assertionID else {
            throw SSOFailure("signature", "the Assertion's signature does not cover the Assertion")
        }
        if let keyInfo = assertionSignatures[0].descendants("X509Certificate", XMLSecurity.dsig).first {
            let given = keyInfo.text.filter { !$0.isWhitespace }
            guard given == XMLSecurity.base64Body(ofPEM: idp.signingCert).filter({ !$0.isWhitespace }) else {
                throw SSOFailure("signature", "the certificate in KeyInfo is not the one in the registered metadata")
            }
        }
        let responseSignatures = root.children("Signature", XMLSecurity.dsig)
        if responseSignatures.count > 1 { throw SSOFailure("structure", "the Response carries more than one Signature") }
        if let rs = responseSignatures.first {
            guard let rid = root.attribute("ID"), try XMLSecurity.verify(rs, certPEM: idp.signingCert) == "#" + rid else {
                throw SSOFailure("signature", "the Response's signature does not cover the Response")
            }
        }
        guard assertion.child("Issuer", SAML.assertionNS)?.text.trimmingCharacters(in: .whitespacesAndNewlines) == idp.entityID else {
            throw SSOFailure("issuer", "the Assertion's Issuer is not the registered IdP \(idp.entityID)")
        }
        // Subject: a bearer confirmation for this ACS, still in time, for this request.
        guard let subject = assertion.child("Subject", SAML.assertionNS) else { throw SSOFailure("subject", "the Assertion has no Subject") }
        var confirmedUntil: Int64? = nil
        var lastFailure = SSOFailure("subject", "no bearer SubjectConfirmation")
        for sc in subject.children("SubjectConfirmation", SAML.assertionNS) where sc.attribute("Method") == SAML.bearer {
            guard let data = sc.child("SubjectConfirmationData", SAML.assertionNS) else { continue }
            guard data.attribute("Recipient") == acs else { lastFailure = SSOFailure("recipient", "the SubjectConfirmation's Recipient is not \(acs)"); continue }
            guard let until = data.attribute("NotOnOrAfter").flatMap(SAML.parseTime) else {
                lastFailure = SSOFailure("time", "the SubjectConfirmation has no NotOnOrAfter"); continue
            }
            guard now < until + skew else { lastFailure = SSOFailure("time", "the assertion has expired (SubjectConfirmation NotOnOrAfter)"); continue }
            if let nb = data.attribute("NotBefore").flatMap(SAML.parseTime), now + skew < nb {
                lastFailure = SSOFailure("time", "the assertion is not valid yet"); continue
            }
            if let irt = data.attribute("InResponseTo"), irt != requestID {
                lastFailure = SSOFailure("in-response-to", "the SubjectConfirmation answers another request"); continue
            }
            confirmedUntil = until
            break
        }
        guard let confirmedUntil else { throw lastFailure }
        guard let conditions = assertion.child("Conditions", SAML.assertionNS) else { throw SSOFailure("conditions", "the Assertion has no Conditions") }
        if let nb = conditions.attribute("NotBefore") {
            guard let t = SAML.parseTime(nb) else { throw SSOFailure("time", "Conditions NotBefore is not a time") }
            guard now + skew >= t else { throw SSOFailure("time", "the assertion is not valid yet (Conditions NotBefore)") }
        }
        guard let naText = conditions.attribute("NotOnOrAfter"), let na = SAML.parseTime(naText) else {
            throw SSOFailure("time", "Conditions has no NotOnOrAfter")
        }
        guard now < na + skew else { throw SSOFailure("time", "the assertion has expired (Conditions NotOnOrAfter)") }
        let restrictions = conditions.children("AudienceRestriction", SAML.assertionNS)
        guard !restrictions.isEmpty, restrictions.allSatisfy({ r in
            r.children("Audience", SAML.assertionNS).contains { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) == spEntityID }
        }) else {
            throw SSOFailure("audience", "the assertion is not addressed to this service (Audience must be \(spEntityID))")
        }
        var attributes: [String: String] = [:]
        for statement in assertion.children("AttributeStatement", SAML.assertionNS) {
            for a in statement.children("Attribute", SAML.assertionNS) {
                guard let name = a.attribute("Name"), attributes[name] == nil else { continue }
                attributes[name] = a.child("AttributeValue", SAML.assertionNS)?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            }
        }
        guard let xUserID = attributes["xUserId"], !xUserID.isEmpty else { throw SSOFailure("attributes", "the attribute xUserId is missing") }
        guard let xAccountID = attributes["xAccountId"], !xAccountID.isEmpty else { throw SSOFailure("attributes", "the attribute xAccountId is missing") }
        guard xAccountID == xUserID else { throw SSOFailure("attributes", "xAccountId must equal xUserId") }
        guard let bpID = attributes["bpId"], !bpID.isEmpty else { throw SSOFailure("attributes", "the attribute bpId is missing") }
        guard bpID == idp.partnerID else { throw SSOFailure("bp-id", "bpId is not the partner that registered this IdP") }
        return Verified(assertionID: assertionID, notOnOrAfter: min(confirmedUntil, na), attributes: attributes, xUserID: xUserID, bpID: bpID)
    }

    /// `service` may only lead to this server's console: answers the local path to redirect to.
    static func consolePath(_ service: String, publicURL: String) -> String? {
        guard !service.isEmpty, service.count <= 2048,
              !service.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" }) else { return nil }
        var rest = service
        if !service.hasPrefix("/") {
            guard let u = URLComponents(string: service), let base = URLComponents(string: publicURL),
                  u.scheme?.lowercased() == base.scheme?.lowercased(), u.host?.lowercased() == base.host?.lowercased(),
                  (u.port ?? (u.scheme == "https" ? 443 : 80)) == (base.port ?? (base.scheme == "https" ? 443 : 80)),
                  u.user == nil, u.password == nil else { return nil }
            // Kept as sent (still percent-encoded), so the checks below see what the browser will.
            rest = u.percentEncodedPath.isEmpty ? "/" : u.percentEncodedPath
            if let q = u.percentEncodedQuery { rest += "?" + q }
        }
        guard rest == "/console" || rest.hasPrefix("/console/") || rest.hasPrefix("/console?"),
              !rest.hasPrefix("//"), !rest.split(separator: "/").contains(".."),
              !["%2e", "%2f", "%5c"].contains(where: rest.lowercased().contains) else { return nil }
        return rest
    }
}
