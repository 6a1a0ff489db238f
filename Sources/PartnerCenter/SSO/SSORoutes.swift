import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers

/// Where this server is reached and who it is as a SAML SP.
public struct SSOConfig: Sendable {
    /// The base URL browsers use for this server, without a trailing slash.
    public var publicURL: String
    /// The SP entity ID (Audience): Huawei's by default, or `publicURL/` when one is configured.
    public var spEntityID: String
    /// An SP key pair from configuration; otherwise one is generated once and kept in the database.
    public var spKeys: SigningKeyPair?

    public init(publicURL: String, spEntityID: String, spKeys: SigningKeyPair? = nil) {
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.spEntityID = spEntityID
        self.spKeys = spKeys
    }

    public static let huaweiEntityID = "https://auth.huaweicloud.com/"

    var acs: String { publicURL + "/authui/saml/SAMLAssertionConsumer" }
    var secure: Bool { publicURL.lowercased().hasPrefix("https://") }
    func idpEntityID(_ partnerID: String) -> String { publicURL + "/idp/\(partnerID)/metadata" }
    func idpSSO(_ partnerID: String) -> String { publicURL + "/idp/\(partnerID)/sso" }

    /// Cookies that must survive the IdP's cross-site POST back to us need SameSite=None, which needs https.
    func cookie(_ name: String, _ value: String, path: String, maxAge: Int?, crossSite: Bool) -> Cookie {
        if crossSite && secure {
            return Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: true, httpOnly: true, sameSite: .none)
        }
        return Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: secure, httpOnly: true, sameSite: .lax)
    }
}

/// Signing keys, loaded once per process.
final class SSOKeys: Sendable {
    let store: SAMLStore
    let configured: SigningKeyPair?
    private let cache = NIOLockedValueBox<[String: SigningKeyPair]>([:])

    init(store: SAMLStore, configured: SigningKeyPair?) { self.store = store; self.configured = configured }

    func sp() async throws -> SigningKeyPair {
        if let configured { return configured }
        return try await cached("sp") { try await store.spKeyPair() }
    }

    func idp(_ partnerID: String) async throws -> SigningKeyPair {
        try await cached("idp:" + partnerID) { try await store.idpKeyPair(partnerID: partnerID) }
    }

    private func cached(_ owner: String, _ load: () async throws -> SigningKeyPair) async throws -> SigningKeyPair {
        if let p = cache.withLockedValue({ $0[owner] }) { return p }
        let p = try await load()
        cache.withLockedValue { $0[owner] = p }
        return p
    }
}

/// The SP side (`/authui/saml/...`, wire compatible with Huawei's IAM) and the built-in IdP (`/idp/{partner}/...`).
public enum SSORoutes {
    static let ssoCookie = "pc_sso"
    static let bindCookie = "pc_bind"

    public static func register(on router: Router<PCContext>, platform: Platform, config: SSOConfig, logger: Logger) {
        let keys = SSOKeys(store: platform.saml, configured: config.spKeys)
        let sp = ServiceProvider(platform: platform, config: config, keys: keys)
        let idp = BuiltinIdP(platform: platform, config: config, keys: keys)

        router.get("/authui/saml/metadata") { _, context in
            await page(context) { try await sp.metadata() }
        }
        router.get("/authui/saml/login") { request, context in
            await page(context) { try await sp.login(request, context) }
        }
        router.post("/authui/saml/SAMLAssertionConsumer") { request, context in
            await page(context) { try await sp.consume(request, context) }
        }
        router.get("/authui/saml/bind") { request, context in
            await page(context) { try await sp.bindPage(request, context, message: nil) }
        }
        router.post("/authui/saml/bind") { request, context in
            await page(context) { try await sp.bind(request, context) }
        }
        router.get("/idp/:partner/metadata") { _, context in
            await page(context) { try await idp.metadata(context.parameters.get("partner") ?? "") }
        }
        router.get("/idp/:partner/sso") { request, context in
            await page(context) { try await idp.sso(request, context) }
        }
        router.post("/idp/:partner/login") { request, context in
            await page(context) { try await idp.login(request, context) }
        }
    }

    /// Runs a page handler: a refused check becomes an error page and one log line naming the check.
    static func page(_ context: PCContext, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let failure as SSOFailure {
            context.logger.warning("saml sign-in refused", metadata: ["check": .string(failure.check), "detail": .string(failure.message)])
            let status: HTTPResponse.Status = ["encoding", "xml", "request", "structure"].contains(failure.check) ? .badRequest : .forbidden
            return HTML.error(status, title: "Sign-in refused", message: failure.message + " (check: \(failure.check))", requestID: context.requestID)
        } catch let r as Refusal {
            return HTML.error(.badRequest, title: "Request refused", message: "\(r.rule.wire.code): \(r.message)", requestID: context.requestID)
        } catch let e as APIError {
            return HTML.error(.badRequest, title: "Request refused", message: "\(e.code): \(e.message)", requestID: context.requestID)
        } catch {
            context.logger.error("sso page failed", metadata: ["error": .string(String(reflecting: error))])
            return HTML.error(.internalServerError, title: "Something went wrong", message: "The request could not be completed. Try again.", requestID: context.requestID)
        }
    }
}

/// The cloud side: login redirect, assertion consumer, first-login binding.
struct ServiceProvider: Sendable {
    let platform: Platform
    let config: SSOConfig
    let keys: SSOKeys
    var store: SAMLStore { platform.saml }

    func metadata() async throws -> Response {
        let xml = try SAML.spMetadata(entityID: config.spEntityID, acs: config.acs, logoutBase: config.publicURL + "/authui/saml", pair: try await keys.sp())
        return Response(status: .ok, headers: [.contentType: "application/samlmetadata+xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    /// The IdP as it is reached now: a built-in IdP follows this server's public URL.
    func effective(_ idp: SAMLStore.RegisteredIdP) async throws -> SAMLStore.RegisteredIdP {
        guard idp.builtin else { return idp }
        var e = idp
        e.entityID = config.idpEntityID(idp.partnerID)
        e.ssoURL = config.idpSSO(idp.partnerID)
        e.signingCert = try await keys.idp(idp.partnerID).certPEM
        return e
    }

    func login(_ request: Request, _ context: PCContext) async throws -> Response {
        let q = request.uri.queryParameters
        guard let type = q["xAccountType"].map(String.init), !type.isEmpty else { throw SSOFailure("request", "xAccountType is required") }
        guard let service = q["service"].map(String.init), !service.isEmpty else { throw SSOFailure("request", "service is required") }
        guard let target = AssertionCheck.consolePath(service, publicURL: config.publicURL) else {
            throw SSOFailure("request", "service must be a page of this console (\(config.publicURL)/console/...)")
        }
        let first = q["isFirstLogin"].map(String.init) ?? "false"
        guard ["true", "false", ""].contains(first) else { throw SSOFailure("request", "isFirstLogin must be true or false") }
        guard let registered = try await store.idp(xaccountType: type) else {
            throw SSOFailure("request", "no IdP is registered for xAccountType \(type)")
        }
        let idp = try await effective(registered)
        let browser = request.cookies[SSORoutes.ssoCookie]?.value ?? Identifiers.token()
        let id = SAML.newID()
        try await store.remember(request: .init(id: id, partnerID: idp.partnerID, service: target, firstLogin: first == "true"), browser: browser)
        let authn = SAML.authnRequest(id: id, issuer: config.spEntityID, destination: idp.ssoURL, acs: config.acs, now: WireTime.nowMillis())
        let query = try SAML.redirectQuery(samlRequest: authn, relayState: Identifiers.token(), key: try await keys.sp())
        let location = idp.ssoURL + (idp.ssoURL.contains("?") ? "&" : "?") + query
        context.logger.info("saml authn request", metadata: ["xaccount_type": .string(type), "request": .string(id)])
        return HTML.redirect(location, cookies: [config.cookie(SSORoutes.ssoCookie, browser, path: "/authui/saml", maxAge: 3600, crossSite: true)])
    }

    func consume(_ request: Request, _ context: PCContext) async throws -> Response {
        let form = try await FormData.body(request)
        guard let samlResponse = form["SAMLResponse"], !samlResponse.isEmpty else { throw SSOFailure("request", "the form has no SAMLResponse") }
        let (tree, irt) = try AssertionCheck.read(samlResponse: samlResponse)
        guard let pending = try await store.outstanding(id: irt, browser: request.cookies[SSORoutes.ssoCookie]?.value) else {
            throw SSOFailure("in-response-to", "this response does not answer a sign-in started in this browser, or that sign-in expired or was already completed")
        }
        guard let registered = try await store.idp(partnerID: pending.partnerID) else {
            throw SSOFailure("issuer", "the partner's IdP registration was removed")
        }
        let idp = try await effective(registered)
        let verified = try AssertionCheck.verify(tree, idp: idp, requestID: pending.id, acs: config.acs, spEntityID: config.spEntityID, now: WireTime.nowMillis())
        try await store.consume(requestID: pending.id, assertionID: verified.assertionID, partnerID: idp.partnerID, assertionExpires: verified.notOnOrAfter)
        guard let customer = try await store.boundCustomer(xaccountType: idp.xaccountType, xUserID: verified.xUserID) else {
            guard pending.firstLogin else {
                throw SSOFailure("unbound", "the platform user \(verified.xUserID) is not bound to a cloud account; sign in with isFirstLogin=true to create or bind one")
            }
            let token = try await store.beginBinding(.init(partnerID: idp.partnerID, xaccountType: idp.xaccountType, xUserID: verified.xUserID,
                                                           name: verified.attributes["name"], mobile: verified.attributes["mobile"],
                                                           email: verified.attributes["email"], service: pending.service))
            context.logger.info("saml first login: binding", metadata: ["xuser_id": .string(verified.xUserID)])
            return HTML.redirect("/authui/saml/bind", cookies: [config.cookie(SSORoutes.bindCookie, token, path: "/authui/saml", maxAge: 1800, crossSite: false)])
        }
        guard customer.active else { throw SSOFailure("customer", "the cloud account bound to this user is not active") }
        return try await signIn(customerID: customer.id, to: pending.service, context, note: ["xuser_id": .string(verified.xUserID)])
    }

    func signIn(customerID: String, to target: String, _ context: PCContext, note: Logger.Metadata) async throws -> Response {
        let session = try await store.startSession(customerID: customerID)
        var meta = note
        meta["customer_id"] = .string(customerID)
        context.logger.info("saml sign-in", metadata: meta)
        return HTML.redirect(target, cookies: [config.cookie(ConsoleRoutes.sessionCookie, session, path: "/", maxAge: 8 * 3600, crossSite: false)])
    }

    // MARK: first login

    func bindPage(_ request: Request, _ context: PCContext, message: String?) async throws -> Response {
        guard let token = request.cookies[SSORoutes.bindCookie]?.value, let b = try await store.binding(token: token) else {
            throw SSOFailure("bind", "there is no account binding in progress in this browser (it may have expired); start the sign-in again")
        }
        let e = HTML.esc
        let error = message.map { "<section class=\"error\"><p>\(e($0))</p></section>" } ?? ""
        return HTML.response(message == nil ? .ok : .badRequest, HTML.page(title: "Bind your cloud account", body: """
            \(error)<section><h2>Welcome\(b.name.map { ", " + e($0) } ?? "")</h2>
            <p>Your platform user <b>\(e(b.xUserID))</b> has no cloud account yet. Create one, or bind an account you already have.</p></section>
            <section><h2>Create a new account</h2><form class="box" method="post" action="/authui/saml/bind">
            <input type="hidden" name="action" value="create">
            <label>Account name <input name="domain_name" required autocomplete="username"></label>
            <label>Password <input name="password" type="password" required autocomplete="new-password"></label>
            <input type="submit" value="Create and sign in"></form></section>
            <section><h2>Bind an existing account</h2><form class="box" method="post" action="/authui/saml/bind">
            <input type="hidden" name="action" value="bind">
            <label>Account name <input name="domain_name" required autocomplete="username"></label>
            <label>Password <input name="password" type="password" required autocomplete="current-password"></label>
            <input type="submit" value="Bind and sign in"></form></section>
            """))
    }

    func bind(_ request: Request, _ context: PCContext) async throws -> Response {
        guard let token = request.cookies[SSORoutes.bindCookie]?.value, let b = try await store.binding(token: token) else {
            throw SSOFailure("bind", "there is no account binding in progress in this browser (it may have expired); start the sign-in again")
        }
        let form = try await FormData.body(request, limit: 64 * 1024)
        let name = form["domain_name"] ?? "", password = form["password"] ?? ""
        let customerID: String, action: Int
        switch form["action"] {
        case "create":
            guard let partner = try await platform.accounts.account(id: b.partnerID) else { throw SSOFailure("bind", "the partner no longer exists") }
            let caller = Principal(domainID: partner.domainID, domainName: partner.domainName, kind: partner.kind, parentID: partner.parentID, via: "saml-binding")
            do {
                let mobile = b.mobile.flatMap { $0.isEmpty ? nil : $0 }
                var req = CreateCustomerRequest(domainName: name, xaccountID: b.xUserID, xaccountType: b.xaccountType, password: password)
                if let mobile, (try? CustomerRules.validateMobile(mobile)) != nil { req.mobilePhone = mobile }
                customerID = try await platform.customers.create(caller: caller, try NewCustomer(req)).domainID
            } catch let e as Refusal {
                return try await bindPage(request, context, message: e.message)
            }
            action = 1
        case "bind":
            guard let found = try await store.checkCustomerPassword(domainName: name, password: password) else {
                return try await bindPage(request, context, message: "The account name or password is wrong.")
            }
            do {
                try await store.bindExisting(customerID: found.id, binding: b)
            } catch let f as SSOFailure {
                return try await bindPage(request, context, message: f.message)
            }
            customerID = found.id
            action = 2
        default:
            throw SSOFailure("request", "action must be create or bind")
        }
        try await store.finishBinding(token: token)
        let session = try await store.startSession(customerID: customerID)
        let cookies = [config.cookie(ConsoleRoutes.sessionCookie, session, path: "/", maxAge: 8 * 3600, crossSite: false),
                       Cookie(name: SSORoutes.bindCookie, value: "", maxAge: 0, path: "/authui/saml")]
        context.logger.info("saml binding done", metadata: ["xuser_id": .string(b.xUserID), "customer_id": .string(customerID), "action": .stringConvertible(action)])
        // Huawei reports the result to the partner's notification URL through the browser:
        // a form POST of bindRequest (base64 JSON), SigAlg and Signature (RSA-SHA256 with the SP key).
        if let idp = try await store.idp(partnerID: b.partnerID), let notify = idp.notifyURL {
            let payload: [String: any Sendable] = ["domainName": name, "domainId": customerID, "xUserId": b.xUserID, "bindAction": action]
            let json = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
            let bindRequest = json.base64EncodedString()
            let signature = try XMLSecurity.rsaSign(bindRequest, keyPEM: try await keys.sp().keyPEM)
            var response = HTML.autoPost(action: notify, fields: [("bindRequest", bindRequest), ("SigAlg", SAML.rsaSHA256), ("Signature", signature)],
                                         title: "Account bound", note: "Your cloud account is ready. Returning to the partner platform…")
            for c in cookies { response.setCookie(c) }
            return response
        }
        return HTML.redirect(b.service, cookies: cookies)
    }
}
