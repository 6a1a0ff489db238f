import Foundation

/// Registering partners' IdPs: what `admin saml idp ...` and the operator API share.
extension SAMLStore {
    public struct IdPSummary: Codable, Sendable, Equatable {
        public var xaccountType: String
        public var entityID: String
        enum CodingKeys: String, CodingKey { case xaccountType = "xaccount_type", entityID = "entity_id" }
    }

    /// Validates the metadata and registers it as the partner's IdP.
    public func setIdP(partnerID: String, metadata: [UInt8], xaccountType: String?, notifyURL: String?) async throws -> IdPSummary {
        let parsed: IdPMetadata
        do { parsed = try IdPMetadata.parse(metadata) } catch let f as SSOFailure { throw Refusal.parameter("metadata", f.message) }
        let r = try await register(partnerID: partnerID, metadata: parsed, xaccountType: xaccountType, notifyURL: notifyURL, builtin: false)
        return IdPSummary(xaccountType: r.xaccountType, entityID: r.entityID)
    }

    /// Called by `serve` at start: the base URL browsers reach this deployment at, so the
    /// CLI (which runs beside the server, not in it) registers built-in IdPs where they are served.
    /// `nil` (a server on a wildcard address with no `--public-url`) forgets an older record,
    /// so the CLI asks for `--public-url` instead of guessing.
    public func recordServedURL(_ url: String?) async throws {
        try await database.transaction { db in
            if let url {
                try await Settings.set(db, .ssoPublicURL, to: url)
            } else {
                try await Settings.remove(db, .ssoPublicURL)
            }
        }
    }

    /// The base URL the last server started on this database recorded, if any.
    public func servedURL() async throws -> String? {
        try await database.read { db in
            try await Settings.value(db, .ssoPublicURL)
        }
    }

    /// Registers partner-center's built-in IdP (under `publicURL/idp/{partner}/`) as the partner's IdP.
    public func enableBuiltinIdP(partnerID: String, publicURL: String, notifyURL: String?) async throws -> IdPSummary {
        guard try await database.read({ try await $0.raw("SELECT kind FROM accounts WHERE id = \(bind: partnerID)").first() }) != nil else {
            throw Refusal(.unknownPartner, "The partner \(partnerID) does not exist.")
        }
        let config = SSOConfig(publicURL: publicURL, spEntityID: SSOConfig.huaweiEntityID)
        let pair = try await idpKeyPair(partnerID: partnerID)
        let xml = SAML.idpMetadata(entityID: config.idpEntityID(partnerID), ssoURL: config.idpSSO(partnerID), pair: pair)
        let parsed = try IdPMetadata.parse(Array(xml.utf8))
        let r = try await register(partnerID: partnerID, metadata: parsed, xaccountType: nil, notifyURL: notifyURL, builtin: true)
        return IdPSummary(xaccountType: r.xaccountType, entityID: r.entityID)
    }
}
