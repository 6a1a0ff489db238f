import HTTPTypes
import Foundation
import Hummingbird
import Logging

/// Everything a running instance (or an admin command) needs: storage, keys, stores.
public struct Platform: Sendable {
    public let database: Database
    public let accounts: AccountStore
    public let customers: CustomerStore
    public let realname: RealnameStore
    public let verificationCodes: VerificationCodeStore
    public let funds: FundsStore
    public let coupons: CouponStore
    public let catalog: CatalogStore
    public let ratings: RatingStore
    public let discounts: DiscountStore
    public let resources: ResourceStore
    public let orders: OrderStore
    public let billing: BillingStore
    public let saml: SAMLStore

    /// Opens the database, applies migrations and checks the master key.
    public static func open(databaseURL: String, masterKeyFile: String?, masterKey given: MasterKey? = nil, logger: Logger) async throws -> Platform {
        let url = try DatabaseURL(databaseURL)
        let keyFile: String
        if let masterKeyFile {
            keyFile = masterKeyFile
        } else if case .sqlite(let path) = url {
            keyFile = ((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent) + "/master.key"
        } else if given == nil, ProcessInfo.processInfo.environment["PARTNER_CENTER_MASTER_KEY"] == nil {
            throw ConfigError("with PostgreSQL, every instance needs the same master key: set PARTNER_CENTER_MASTER_KEY or --master-key-file")
        } else {
            keyFile = ""
        }
        let key = try given ?? MasterKey.load(file: keyFile)
        let database = try await Database.open(url, logger: logger)
        do {
            try await Migrations.run(on: database)
            let accounts = AccountStore(database: database, masterKey: key)
            try await accounts.bootstrap()
            try await CatalogStore(database: database).seedIfEmpty()
            return Platform(database: database, accounts: accounts, customers: CustomerStore(database: database),
                            realname: RealnameStore(database: database), verificationCodes: VerificationCodeStore(database: database),
                            funds: FundsStore(database: database),
                            coupons: CouponStore(database: database), catalog: CatalogStore(database: database),
                            ratings: RatingStore(database: database), discounts: DiscountStore(database: database),
                            resources: ResourceStore(database: database), orders: OrderStore(database: database), billing: BillingStore(database: database),
                            saml: SAMLStore(database: database, masterKey: key))
        } catch {
            await database.close()
            throw error
        }
    }

    public func close() async { await database.close() }
}

public struct ServerOptions: Sendable {
    public var ssoConfig: SSOConfig {
        let base = publicURL ?? "http://\(host):\(port)"
        let entity = spEntityID ?? (publicURL.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? SSOConfig.huaweiEntityID)
        return SSOConfig(publicURL: base, spEntityID: entity, spKeys: spKeys)
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var rateLimit = 10
    public var tokenTTLSeconds = 24 * 3600
    /// The base URL browsers use (SSO redirects, metadata); defaults to http://host:port.
    public var publicURL: String?
    /// The SAML SP entity ID; defaults to Huawei's, or `publicURL/` when a public URL is set.
    public var spEntityID: String?
    public var spKeys: SigningKeyPair?
    public init() {}
}

public enum Server {
    /// Builds the HTTP application: health, metrics, IAM tokens, the BSS operations and the operator API.
    public static func application(platform: Platform, options: ServerOptions, logger: Logger) -> some ApplicationProtocol {
        let metrics = APIMetrics()
        let gateway = Gateway(authenticator: Authenticator(accounts: platform.accounts),
                              limiter: RateLimiter(perSecond: options.rateLimit), metrics: metrics)
        let router = Router(context: PCContext.self)
        router.add(middleware: WireMiddleware(metrics: metrics))

        router.get("/health") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
        }
        router.get("/health/ready") { _, context -> Response in
            do {
                _ = try await platform.database.read { try await $0.raw("SELECT 1 AS one").first() }
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ready\",\"database\":\"\(platform.database.backend.rawValue)\"}")))
            } catch {
                context.logger.error("readiness check failed", metadata: ["error": .string(String(reflecting: error))])
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"unavailable\"}")))
            }
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }

        TokenRoutes.register(on: router, accounts: platform.accounts, authenticator: gateway.authenticator, ttlSeconds: options.tokenTTLSeconds, metrics: metrics)
        CustomerRoutes.register(on: router, gateway: gateway, store: platform.customers, realname: platform.realname, codes: platform.verificationCodes,
                                tags: NewCustomerTagStore(database: platform.database))
        FundsRoutes.register(on: router, gateway: gateway, store: platform.funds)
        DivisionRoutes.register(on: router, gateway: gateway)
        CouponRoutes.register(on: router, gateway: gateway, store: platform.coupons)
        CatalogRoutes.register(on: router, gateway: gateway, catalog: platform.catalog, ratings: platform.ratings)
        SubscriptionRoutes.register(on: router, gateway: gateway, resources: platform.resources)
        OrderRoutes.register(on: router, gateway: gateway, orders: platform.orders)
        BillingRoutes.register(on: router, gateway: gateway, store: platform.billing)
        OperatorRoutes.register(on: router, gateway: gateway, platform: platform)
        let sso = options.ssoConfig
        SSORoutes.register(on: router, platform: platform, config: sso, logger: logger)
        OperatorSAMLRoutes.register(on: router, gateway: gateway, platform: platform, publicURL: sso.publicURL)
        ConsoleRoutes.register(on: router, platform: platform, config: sso)
        FaceVerificationRoutes.register(on: router, gateway: gateway, store: FaceVerificationStore(database: platform.database), publicURL: sso.publicURL)

        return Application(router: router,
                           configuration: .init(address: .hostname(options.host, port: options.port), serverName: "partner-center"),
                           logger: logger)
    }
}
