import HTTPTypes
import Foundation
import Hummingbird

/// IAM `POST /v3/auth/tokens`, password method: the token comes back in `X-Subject-Token`.
public enum TokenRoutes {
    struct AuthRequest: Decodable {
        struct Auth: Decodable { var identity: Identity; var scope: Scope? }
        struct Identity: Decodable {
            var methods: [String]; var password: PasswordMethod?; var assumeRole: AssumeRole?
            enum CodingKeys: String, CodingKey { case methods, password, assumeRole = "assume_role" }
        }
        struct AssumeRole: Decodable {
            var domainName: String?; var domainID: String?; var agencyName: String?; var durationSeconds: Int?
            enum CodingKeys: String, CodingKey { case domainName = "domain_name", domainID = "domain_id", agencyName = "agency_name", durationSeconds = "duration_seconds" }
        }
        struct PasswordMethod: Decodable { var user: User }
        struct User: Decodable { var name: String?; var password: String?; var domain: Named? }
        struct Named: Decodable { var name: String?; var id: String? }
        struct Scope: Decodable { var domain: Named?; var project: Named? }
        var auth: Auth
    }

    struct TokenBody: Encodable, Sendable {
        struct AssumedBy: Encodable, Sendable { var user: User }
        struct Ref: Encodable, Sendable { var id: String; var name: String }
        struct User: Encodable, Sendable {
            var id: String; var name: String; var domain: Ref
            var passwordExpiresAt = ""
            enum CodingKeys: String, CodingKey { case id, name, domain, passwordExpiresAt = "password_expires_at" }
        }
        struct Role: Encodable, Sendable { var id: String; var name: String }
        struct Token: Encodable, Sendable {
            var expiresAt: String; var issuedAt: String; var methods: [String]
            var domain: Ref; var user: User; var roles: [Role]; var catalog: [String] = []
            var assumedBy: AssumedBy? = nil
            enum CodingKeys: String, CodingKey { case expiresAt = "expires_at", issuedAt = "issued_at", methods, domain, user, roles, catalog, assumedBy = "assumed_by" }
        }
        var token: Token
    }

    /// IAM answers failures in its own shape; both key styles are given so every SDK
    /// parser finds a code and a message.
    static func iamError(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        let body = "{\"error_code\":\"\(code)\",\"error_msg\":\"\(message)\",\"error\":{\"code\":\(status.code),\"message\":\"\(message)\",\"title\":\"\(status.reasonPhrase)\"}}"
        return Response(status: status, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The partner proves itself (its token or AK/SK signature) and names its customer;
    /// the answer is a token that acts as that customer.
    static func assumeRole(_ role: AuthRequest.AssumeRole?, request: Request, body: ByteBuffer, context: PCContext, accounts: AccountStore,
                           authenticator: Authenticator, ttlSeconds: Int) async throws -> Response {
        let partner: Principal
        do {
            partner = try await authenticator.authenticate(request, body: Array(buffer: body))
        } catch let e as APIError {
            return iamError(.unauthorized, "IAM.0003", e.message)
        }
        guard partner.kind.isPartner, partner.actingPartnerID == nil else {
            return iamError(.forbidden, "IAM.0002", "Only a partner may assume a role in its customer's account.")
        }
        guard let role, let agency = role.agencyName, !agency.isEmpty, agency.count <= 64,
              (role.domainName?.isEmpty == false) || (role.domainID?.isEmpty == false) else {
            return iamError(.badRequest, "IAM.0001", "The request body is invalid: assume_role needs agency_name and domain_name or domain_id.")
        }
        let duration = role.durationSeconds ?? 3600
        guard (900...86400).contains(duration) else {
            return iamError(.badRequest, "IAM.0001", "The request body is invalid: duration_seconds must be between 900 and 86400.")
        }
        guard let issued = try await accounts.issueAssumedToken(partner: partner, customerName: role.domainName, customerID: role.domainID,
                                                                ttlSeconds: min(duration, ttlSeconds)) else {
            context.logger.info("assume_role refused", metadata: ["partner": .string(partner.domainID)])
            return iamError(.forbidden, "IAM.0002", "You are not authorized to assume the agency \(agency) in that account.")
        }
        let ref = TokenBody.Ref(id: issued.account.domainID, name: issued.account.domainName)
        let partnerRef = TokenBody.Ref(id: partner.domainID, name: partner.domainName)
        let token = TokenBody.Token(
            expiresAt: iamTime(issued.expiresAt), issuedAt: iamTime(issued.issuedAt), methods: ["assume_role"], domain: ref,
            user: .init(id: issued.account.domainID, name: "\(issued.account.domainName)/\(agency)", domain: ref),
            roles: [.init(id: "0", name: agency)],
            assumedBy: .init(user: .init(id: partner.domainID, name: partner.domainName, domain: partnerRef)))
        var headers: HTTPFields = [.contentType: "application/json;charset=UTF-8"]
        headers[.xSubjectToken] = issued.token
        return Response(status: .created, headers: headers, body: .init(byteBuffer: try WireJSON.encode(TokenBody(token: token))))
    }

    static func iamTime(_ millis: Int64) -> String {
        let utc = WireTime.utc(millis)
        return String(utc.dropLast()) + String(format: ".%03d000Z", Int(millis % 1000))
    }

    public static func register(on router: Router<PCContext>, accounts: AccountStore, authenticator: Authenticator, ttlSeconds: Int, metrics: APIMetrics) {
        router.post("/v3/auth/tokens") { request, context -> Response in
            let started = ContinuousClock.now
            var request = request
            let response = try await issue(&request, context: context, accounts: accounts, authenticator: authenticator, ttlSeconds: ttlSeconds)
            metrics.record(operation: "KeystoneCreateUserTokenByPassword", status: response.status.code, started: started)
            return response
        }
    }

    static func issue(_ request: inout Request, context: PCContext, accounts: AccountStore, authenticator: Authenticator, ttlSeconds: Int) async throws -> Response {
        let body = try await request.collectBody(upTo: 64 * 1024)
        let parsed: AuthRequest
        if case .nul(let field) = StrictJSON.check(Array(buffer: body)) {
            return iamError(.badRequest, "IAM.0001", "The request body is invalid: \(field) \(Refusal.nulReason).")
        }
        do {
            parsed = try JSONDecoder().decode(AuthRequest.self, from: Data(buffer: body))
        } catch {
            return iamError(.badRequest, "IAM.0001", "The request body is invalid: expected auth.identity with the password method.")
        }
        if parsed.auth.identity.methods.contains("assume_role") {
            return try await assumeRole(parsed.auth.identity.assumeRole, request: request, body: body, context: context, accounts: accounts,
                                        authenticator: authenticator, ttlSeconds: ttlSeconds)
        }
        guard parsed.auth.identity.methods.contains("password"), let user = parsed.auth.identity.password?.user,
              let name = user.name, !name.isEmpty, let password = user.password, !password.isEmpty else {
            return iamError(.badRequest, "IAM.0001", "The request body is invalid: auth.identity.password.user.name and password are required.")
        }
        let domainName = user.domain?.name
        guard let issued = try await accounts.issueToken(userName: name, password: password, domainName: domainName, ttlSeconds: ttlSeconds) else {
            context.logger.info("token refused", metadata: ["user": .string(name)])
            return iamError(.unauthorized, "IAM.0004", "The username or password is wrong.")
        }
        let ref = TokenBody.Ref(id: issued.account.domainID, name: issued.account.domainName)
        let token = TokenBody.Token(
            expiresAt: iamTime(issued.expiresAt), issuedAt: iamTime(issued.issuedAt), methods: ["password"],
            domain: ref, user: .init(id: issued.account.domainID, name: issued.account.domainName, domain: ref),
            roles: [.init(id: "0", name: issued.account.kind == .customer ? "te_admin" : "op_partner")])
        var headers: HTTPFields = [.contentType: "application/json;charset=UTF-8"]
        headers[.xSubjectToken] = issued.token
        return Response(status: .created, headers: headers, body: .init(byteBuffer: try WireJSON.encode(TokenBody(token: token))))
    }
}
