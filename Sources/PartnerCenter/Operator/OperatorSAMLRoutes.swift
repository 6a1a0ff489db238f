import Foundation
import Hummingbird

/// `/operator/v1/saml/idps`: the `admin saml idp ...` actions over HTTP.
enum OperatorSAMLRoutes {
    static let setIdP = Operation("OperatorSetSamlIdp", callers: [.operator])
    static let showIdP = Operation("OperatorShowSamlIdp", callers: [.operator])
    static let deleteIdP = Operation("OperatorDeleteSamlIdp", callers: [.operator])
    static let enableBuiltin = Operation("OperatorEnableBuiltinIdp", callers: [.operator])

    struct SetRequest: Codable, Sendable {
        var domainID: String?
        var metadata: String?
        var xaccountType: String?
        var notifyURL: String?
        enum CodingKeys: String, CodingKey { case domainID = "domain_id", metadata, xaccountType = "xaccount_type", notifyURL = "notify_url" }
    }

    struct BuiltinRequest: Codable, Sendable {
        var notifyURL: String?
        enum CodingKeys: String, CodingKey { case notifyURL = "notify_url" }
    }

    static func register(on router: Router<PCContext>, gateway: Gateway, platform: Platform, publicURL: String) {
        router.api(.post, "/operator/v1/saml/idps", setIdP, gateway: gateway) { call -> Reply<SAMLStore.IdPSummary> in
            let r = try call.json(SetRequest.self)
            let id = try Check.required(r.domainID, "domain_id", max: 64)
            let metadata = try Check.required(r.metadata, "metadata", max: IdPMetadata.maxBytes)
            return Reply(status: .created, body: try await platform.saml.setIdP(partnerID: id, metadata: Array(metadata.utf8),
                                                                              xaccountType: Check.nonEmpty(r.xaccountType), notifyURL: Check.nonEmpty(r.notifyURL)))
        }
        router.api(.get, "/operator/v1/saml/idps/:id", showIdP, gateway: gateway) { call in
            guard let idp = try await platform.saml.idp(partnerID: call.parameters.get("id") ?? "") else {
                throw Refusal(.unknownPartner, "This partner has no IdP registered.")
            }
            return idp
        }
        router.api(.delete, "/operator/v1/saml/idps/:id", deleteIdP, gateway: gateway) { call -> Reply<Empty> in
            guard try await platform.saml.deleteIdP(partnerID: call.parameters.get("id") ?? "") else {
                throw Refusal(.unknownPartner, "This partner has no IdP registered.")
            }
            return Reply(status: .noContent, body: nil)
        }
        router.api(.post, "/operator/v1/saml/idps/:id/enable-builtin", enableBuiltin, gateway: gateway) { call -> Reply<SAMLStore.IdPSummary> in
            let r = call.body.readableBytes == 0 ? BuiltinRequest() : try call.json(BuiltinRequest.self)
            return Reply(status: .created, body: try await platform.saml.enableBuiltinIdP(partnerID: call.parameters.get("id") ?? "", publicURL: publicURL,
                                                                                        notifyURL: Check.nonEmpty(r.notifyURL)))
        }
    }
}
