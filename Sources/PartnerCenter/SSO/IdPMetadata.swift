import Foundation

/// A partner's IdP metadata, validated as Huawei's access configuration requires:
/// UTF-8, at most 2 MB, an entityID, a signing certificate, an HTTP-Redirect SSO location, no secrets.
public struct IdPMetadata: Sendable, Equatable {
    public let entityID: String
    public let ssoURL: String
    public let signingCertPEM: String
    public let document: String

    static let maxBytes = 2 * 1024 * 1024

    public static func parse(_ bytes: [UInt8]) throws -> IdPMetadata {
        guard !bytes.isEmpty else { throw SSOFailure("metadata", "the metadata file is empty") }
        guard bytes.count <= maxBytes else { throw SSOFailure("metadata", "the metadata file is larger than 2 MB") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw SSOFailure("metadata", "the metadata file is not UTF-8") }
        if text.contains("PRIVATE KEY") || text.contains("PrivateKey") {
            throw SSOFailure("metadata", "the metadata contains a private key; upload only public metadata")
        }
        let tree = try XMLTree(parsing: bytes, check: "metadata")
        var entity = tree.root
        if entity.is("EntitiesDescriptor", SAML.metadataNS) {
            let idps = entity.descendants("EntityDescriptor", SAML.metadataNS).filter { $0.child("IDPSSODescriptor", SAML.metadataNS) != nil }
            guard idps.count == 1 else { throw SSOFailure("metadata", "the metadata must describe exactly one IdP") }
            entity = idps[0]
        }
        guard entity.is("EntityDescriptor", SAML.metadataNS) else {
            throw SSOFailure("metadata", "the root element must be md:EntityDescriptor (\(SAML.metadataNS))")
        }
        guard let entityID = entity.attribute("entityID")?.trimmingCharacters(in: .whitespaces), !entityID.isEmpty, entityID.count <= 1024 else {
            throw SSOFailure("metadata", "EntityDescriptor has no entityID")
        }
        guard let idp = entity.child("IDPSSODescriptor", SAML.metadataNS) else {
            throw SSOFailure("metadata", "the metadata has no IDPSSODescriptor")
        }
        let signing = idp.children("KeyDescriptor", SAML.metadataNS).filter { ($0.attribute("use") ?? "signing") == "signing" }
        guard let certText = signing.lazy.compactMap({ $0.descendants("X509Certificate", XMLSecurity.dsig).first?.text }).first,
              !certText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw SSOFailure("metadata", "the IDPSSODescriptor has no KeyDescriptor use=\"signing\" with an X509Certificate")
        }
        let pem = XMLSecurity.pem(fromBase64: certText)
        try XMLSecurity.checkCertificate(pem)
        guard let sso = idp.children("SingleSignOnService", SAML.metadataNS).first(where: { $0.attribute("Binding") == SAML.redirectBinding }),
              let location = sso.attribute("Location"), let url = URL(string: location),
              ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw SSOFailure("metadata", "the IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect binding and an http(s) Location")
        }
        return IdPMetadata(entityID: entityID, ssoURL: location, signingCertPEM: pem, document: text)
    }
}
