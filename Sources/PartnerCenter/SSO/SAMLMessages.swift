import Foundation

/// SAML 2.0 names and the documents partner-center writes: metadata, AuthnRequest, Response.
/// Documents are composed as text with every value escaped, then signed by libxmlsec1.
enum SAML {
    static let protocolNS = "urn:oasis:names:tc:SAML:2.0:protocol"
    static let assertionNS = "urn:oasis:names:tc:SAML:2.0:assertion"
    static let metadataNS = "urn:oasis:names:tc:SAML:2.0:metadata"
    static let encryptedAssertion = "EncryptedAssertion"
    static let redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    static let postBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    static let transient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
    static let entityFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
    static let success = "urn:oasis:names:tc:SAML:2.0:status:Success"
    static let bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    static let uriFormat = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
    static let unspecifiedContext = "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"
    static let rsaSHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    /// How far the IdP's and our clocks may disagree.
    static let skewMillis: Int64 = 3 * 60 * 1000

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Message IDs must start with a letter or `_` (xsd:ID).
    static func newID() -> String { "_" + Identifiers.domainID() + Identifiers.domainID().prefix(8) }

    static func time(_ millis: Int64) -> String { WireTime.utc(millis) }

    /// xsd:dateTime in UTC, with or without fractional seconds.
    static func parseTime(_ s: String) -> Int64? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded(.down)) }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return Int64(d.timeIntervalSince1970 * 1000) }
        return nil
    }

    /// An enveloped-signature template for the element with this ID (exc-c14n, RSA-SHA256, SHA-256).
    static func signatureTemplate(for id: String) -> String {
        """
        <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
        <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
        <ds:SignatureMethod Algorithm="\(rsaSHA256)"/>\
        <ds:Reference URI="#\(escape(id))"><ds:Transforms>\
        <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
        <ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>\
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue></ds:DigestValue>\
        </ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue>\
        <ds:KeyInfo><ds:X509Data><ds:X509Certificate></ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>
        """
    }

    /// Parses a composed document and signs the signature template inside the element with `id`.
    static func signed(_ xml: String, id: String, with pair: SigningKeyPair) throws -> String {
        let tree = try XMLTree(parsing: xml)
        try tree.registerIDs()
        guard let signature = tree.root.descendants("Signature", XMLSecurity.dsig).first(where: { $0.parent?.attribute("ID") == id }) else {
            throw ConfigError("no signature template for \(id)")
        }
        try XMLSecurity.sign(signature, with: pair)
        return tree.serialized()
    }

    // MARK: metadata

    static func keyDescriptor(_ pair: SigningKeyPair) -> String {
        """
        <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>\
        <ds:X509Certificate>\(pair.certBase64)</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
        """
    }

    /// The SP metadata partners load into their IdP, signed with the SP key.
    static func spMetadata(entityID: String, acs: String, logoutBase: String, pair: SigningKeyPair) throws -> String {
        let id = newID()
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <md:EntityDescriptor xmlns:md="\(metadataNS)" ID="\(id)" entityID="\(escape(entityID))">\
            \(signatureTemplate(for: id))\
            <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="\(protocolNS)">\
            \(keyDescriptor(pair))\
            <md:SingleLogoutService Binding="\(redirectBinding)" Location="\(escape(logoutBase))/LogoutServiceHTTPRedirect"/>\
            <md:SingleLogoutService Binding="\(postBinding)" Location="\(escape(logoutBase))/LogoutServiceHTTPPost"/>\
            <md:NameIDFormat>\(transient)</md:NameIDFormat>\
            <md:AssertionConsumerService Binding="\(postBinding)" Location="\(escape(acs))" index="0" isDefault="true"/>\
            </md:SPSSODescriptor></md:EntityDescriptor>
            """
        return try signed(xml, id: id, with: pair)
    }

    /// Metadata of the built-in IdP of one partner.
    static func idpMetadata(entityID: String, ssoURL: String, pair: SigningKeyPair) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="\(metadataNS)" entityID="\(escape(entityID))">\
        <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="\(protocolNS)">\
        \(keyDescriptor(pair))\
        <md:NameIDFormat>\(transient)</md:NameIDFormat>\
        <md:SingleSignOnService Binding="\(redirectBinding)" Location="\(escape(ssoURL))"/>\
        </md:IDPSSODescriptor></md:EntityDescriptor>
        """
    }

    // MARK: AuthnRequest

    static func authnRequest(id: String, issuer: String, destination: String, acs: String, now: Int64) -> String {
        """
        <samlp:AuthnRequest xmlns:samlp="\(protocolNS)" xmlns:saml="\(assertionNS)" ID="\(id)" Version="2.0" \
        IssueInstant="\(time(now))" Destination="\(escape(destination))" AssertionConsumerServiceURL="\(escape(acs))" \
        ProtocolBinding="\(postBinding)"><saml:Issuer>\(escape(issuer))</saml:Issuer>\
        <samlp:NameIDPolicy Format="\(transient)" AllowCreate="true"/></samlp:AuthnRequest>
        """
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    static func urlEncode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    /// The HTTP-Redirect binding: deflate, base64, URL-encode; sign `SAMLRequest=…&RelayState=…&SigAlg=…`.
    static func redirectQuery(samlRequest xml: String, relayState: String, key: SigningKeyPair) throws -> String {
        let encoded = Data(try XMLSecurity.deflate(xml)).base64EncodedString()
        let signedPart = "SAMLRequest=\(urlEncode(encoded))&RelayState=\(urlEncode(relayState))&SigAlg=\(urlEncode(rsaSHA256))"
        let signature = try XMLSecurity.rsaSign(signedPart, keyPEM: key.keyPEM)
        return signedPart + "&Signature=" + urlEncode(signature)
    }

    // MARK: Response

    struct Assertion {
        var issuer: String
        var destination: String
        var inResponseTo: String
        var audience: String
        var attributes: [(String, String)]
        var now: Int64
        var lifetime: Int64 = 5 * 60 * 1000
    }

    /// A Response carrying one Assertion signed with the IdP key, as Huawei's sample shows, except
    /// that SubjectLocality is left out: the sample puts the SP's URL in its Address, where SAML
    /// requires an IP address, and standard SP libraries refuse that.
    static func response(_ a: Assertion, key: SigningKeyPair) throws -> String {
        let responseID = newID(), assertionID = newID()
        let attributes = a.attributes.map { name, value in
            """
            <saml2:Attribute FriendlyName="\(escape(name))" Name="\(escape(name))" NameFormat="\(uriFormat)">\
            <saml2:AttributeValue xsi:type="xsd:string">\(escape(value))</saml2:AttributeValue></saml2:Attribute>
            """
        }.joined()
        let until = time(a.now + a.lifetime)
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <saml2p:Response xmlns:saml2p="\(protocolNS)" Destination="\(escape(a.destination))" ID="\(responseID)" \
            InResponseTo="\(escape(a.inResponseTo))" IssueInstant="\(time(a.now))" Version="2.0">\
            <saml2:Issuer xmlns:saml2="\(assertionNS)" Format="\(entityFormat)">\(escape(a.issuer))</saml2:Issuer>\
            <saml2p:Status><saml2p:StatusCode Value="\(success)"/></saml2p:Status>\
            <saml2:Assertion xmlns:saml2="\(assertionNS)" xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="\(assertionID)" IssueInstant="\(time(a.now))" Version="2.0">\
            <saml2:Issuer>\(escape(a.issuer))</saml2:Issuer>\(signatureTemplate(for: assertionID))\
            <saml2:Subject><saml2:NameID Format="\(transient)" NameQualifier="\(escape(a.audience))">\(newID())</saml2:NameID>\
            <saml2:SubjectConfirmation Method="\(bearer)"><saml2:SubjectConfirmationData InResponseTo="\(escape(a.inResponseTo))" \
            NotOnOrAfter="\(until)" Recipient="\(escape(a.destination))"/></saml2:SubjectConfirmation></saml2:Subject>\
            <saml2:Conditions NotBefore="\(time(a.now - 60_000))" NotOnOrAfter="\(until)"><saml2:AudienceRestriction>\
            <saml2:Audience>\(escape(a.audience))</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>\
            <saml2:AuthnStatement AuthnInstant="\(time(a.now))" SessionIndex="\(assertionID)">\
            <saml2:AuthnContext>\
            <saml2:AuthnContextClassRef>\(unspecifiedContext)</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>\
            <saml2:AttributeStatement>\(attributes)</saml2:AttributeStatement></saml2:Assertion></saml2p:Response>
            """
        return try signed(xml, id: assertionID, with: key)
    }
}
