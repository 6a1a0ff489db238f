import Foundation
import Hummingbird

/// The operator's HTTP API: the same actions as `partner-center admin`, for deployments
/// where the operator has no database access. Signed with an operator access key.
public enum OperatorRoutes {
    static let createPartner = Operation("OperatorCreatePartner", callers: [.operator])
    static let listPartners = Operation("OperatorListPartners", callers: [.operator])
    static let createKey = Operation("OperatorCreateKey", callers: [.operator])
    static let listKeys = Operation("OperatorListKeys", callers: [.operator])
    static let revokeKey = Operation("OperatorRevokeKey", callers: [.operator])
    static let listRealname = Operation("OperatorListRealnameApplications", callers: [.operator])
    static let outbox = Operation("OperatorListOutbox", callers: [.operator])
    static let reviewRealname = Operation("OperatorReviewRealnameApplication", callers: [.operator])
    static let createOrder = Operation("OperatorCreateOrder", callers: [.operator])
    static let runLifecycle = Operation("OperatorRunLifecycle", callers: [.operator])
    static let showOrder = Operation("OperatorShowOrder", callers: [.operator])
    static let listOrders = Operation("OperatorListOrders", callers: [.operator])

    /// GET /operator/v1/orders?customer_id=…: a customer's orders, newest first.
    public struct OrderList: Codable, Sendable {
        public var orders: [OrderInfo]
        public init(orders: [OrderInfo]) { self.orders = orders }
    }

    public struct ReviewRequest: Codable, Sendable {
        public var reason: String?
    }
    public struct RealnameList: Codable, Sendable {
        public var applications: [RealnameApplication]
        public init(applications: [RealnameApplication]) { self.applications = applications }
    }

    public struct CreatePartnerRequest: Codable, Sendable {
        public var name: String?
        public var kind: String?
        public var parentID: String?
        public var password: String?
        enum CodingKeys: String, CodingKey { case name, kind, parentID = "parent_id", password }
        public init(name: String?, kind: String?, parentID: String?, password: String?) {
            self.name = name; self.kind = kind; self.parentID = parentID; self.password = password
        }
    }

    /// What `admin partner create --json` prints, too.
    public struct CreatedPartner: Codable, Sendable {
        public var domainID: String
        public var domainName: String
        public var kind: String
        public var parentID: String?
        public var xaccountType: String?
        public var accessKey: String
        public var secretKey: String
        enum CodingKeys: String, CodingKey {
            case domainID = "domain_id", domainName = "domain_name", kind, parentID = "parent_id"
            case xaccountType = "xaccount_type", accessKey = "access_key", secretKey = "secret_key"
        }
        public init(_ account: AccountStore.Account, _ keys: AccountStore.KeyPair) {
            domainID = account.domainID; domainName = account.domainName; kind = account.kind.rawValue
            parentID = account.parentID; xaccountType = account.xaccountType
            accessKey = keys.accessKey; secretKey = keys.secretKey
        }
    }

    public struct CreateKeyRequest: Codable, Sendable {
        public var domainID: String?
        enum CodingKeys: String, CodingKey { case domainID = "domain_id" }
    }

    public struct KeyList: Codable, Sendable {
        public var keys: [AccountStore.KeyInfo]
        public init(keys: [AccountStore.KeyInfo]) { self.keys = keys }
    }
    public struct PartnerList: Codable, Sendable {
        public var partners: [AccountStore.Account]
        public init(partners: [AccountStore.Account]) { self.partners = partners }
    }

    /// Shared by the CLI and the HTTP API so both validate the same way.
    public static func createPartner(_ accounts: AccountStore, _ req: CreatePartnerRequest) async throws -> CreatedPartner {
        let name = try Check.required(req.name, "name", max: 64)
        guard let kindText = req.kind, let kind = AccountKind(rawValue: kindText), kind.isPartner else {
            throw Refusal.parameter("kind", "must be distributor, reseller or solution-provider")
        }
        let (account, keys) = try await accounts.createPartner(name: name, kind: kind, parentID: Check.nonEmpty(req.parentID), password: req.password)
        return CreatedPartner(account, keys)
    }

    static let fundPartner = Operation("OperatorFundPartner", callers: [.operator])
    static let unbindCustomer = Operation("OperatorUnbindCustomer", callers: [.operator])
    static let verifyLedger = Operation("OperatorVerifyLedger", callers: [.operator])

    public struct FundRequest: Codable, Sendable {
        public var amount: Decimal?
        public var account: String?
    }
    public struct Funded: Codable, Sendable {
        public var transferID: String
        public var balance: Decimal
        public init(transferID: String, balance: Decimal) { self.transferID = transferID; self.balance = balance }
        enum CodingKeys: String, CodingKey { case transferID = "transfer_id", balance }
    }
    public struct Unbound: Codable, Sendable {
        public var customerID: String
        public var transferID: String?
        public var reclaimed: Decimal
        public init(customerID: String, transferID: String?, reclaimed: Decimal) { self.customerID = customerID; self.transferID = transferID; self.reclaimed = reclaimed }
        enum CodingKeys: String, CodingKey { case customerID = "customer_id", transferID = "transfer_id", reclaimed }
    }

    static let grantQuota = Operation("OperatorGrantCouponQuota", callers: [.operator])
    static let importCatalog = Operation("OperatorImportCatalog", callers: [.operator])
    static let provision = Operation("OperatorProvisionResource", callers: [.operator])
    static let showClock = Operation("OperatorShowClock", callers: [.operator])
    static let importUsage = Operation("OperatorImportUsage", callers: [.operator])
    static let grantPackage = Operation("OperatorGrantPackage", callers: [.operator])
    static let renewResource = Operation("OperatorRenewResource", callers: [.operator])
    static let unsubscribeResource = Operation("OperatorUnsubscribeResource", callers: [.operator])
    public struct RenewRequest: Codable, Sendable {
        public var periodType: Int?
        public var periodNum: Int?
        enum CodingKeys: String, CodingKey { case periodType = "period_type", periodNum = "period_num" }
    }

    public struct PackageRequest: Codable, Sendable {
        public var customerID: String?
        public var resourceType: String?
        public var usageType: String?
        public var amount: Decimal?
        public var measureID: Int?
        public var region: String?
        public var effectiveTime: String?
        public var expireTime: String?
        public var name: String?
        enum CodingKeys: String, CodingKey {
            case customerID = "customer_id", resourceType = "resource_type", usageType = "usage_type", amount, measureID = "measure_id", region
            case effectiveTime = "effective_time", expireTime = "expire_time", name
        }
    }

    static let setClock = Operation("OperatorSetClock", callers: [.operator])

    /// Exactly one of: `set` (UTC time), `advance` (duration like 36h), `reset` (true).
    public struct ClockRequest: Codable, Sendable {
        public var set: String?
        public var advance: String?
        public var reset: Bool?
    }
    static let exportCatalog = Operation("OperatorExportCatalog", callers: [.operator])
    static let setDiscount = Operation("OperatorSetDiscount", callers: [.operator])
    static let listDiscounts = Operation("OperatorListDiscounts", callers: [.operator])
    static let deleteDiscount = Operation("OperatorDeleteDiscount", callers: [.operator])

    public struct DiscountRequest: Codable, Sendable {
        public var serviceType: String?
        public var rate: Decimal?
        public var effectiveTime: String?
        public var expireTime: String?
        enum CodingKeys: String, CodingKey { case serviceType = "service_type", rate, effectiveTime = "effective_time", expireTime = "expire_time" }
    }
    public struct DiscountList: Codable, Sendable { public var discounts: [Discount] }

    public struct QuotaGrantRequest: Codable, Sendable {
        public var amount: Decimal?
        public var effectiveTime: String?
        public var expireTime: String?
        public var quotaType: Int?
        public var cloudServiceTypes: [String]?
        enum CodingKeys: String, CodingKey {
            case amount, effectiveTime = "effective_time", expireTime = "expire_time", quotaType = "quota_type", cloudServiceTypes = "cloud_service_types"
        }
    }

    public static func register(on router: Router<PCContext>, gateway: Gateway, platform: Platform) {
        let accounts = platform.accounts, realname = platform.realname, funds = platform.funds
        router.api(.get, "/operator/v1/clock", showClock, gateway: gateway) { _ in try await platform.database.clockState() }
        router.api(.post, "/operator/v1/resources/:id/renew", renewResource, gateway: gateway) { call in
            let r = try call.json(RenewRequest.self)
            return try await platform.resources.renew(resourceID: call.parameters.get("id") ?? "", periodType: r.periodType, periodNum: r.periodNum ?? 1)
        }
        router.api(.post, "/operator/v1/resources/:id/unsubscribe", unsubscribeResource, gateway: gateway) { call in
            try await platform.resources.unsubscribe(resourceID: call.parameters.get("id") ?? "")
        }
        router.api(.post, "/operator/v1/packages", grantPackage, gateway: gateway) { call -> Reply<PackageGrant> in
            let r = try call.json(PackageRequest.self)
            guard let expires = try Check.utcTime(r.expireTime, "expire_time") else { throw Refusal.parameter("expire_time", "is required") }
            guard let amount = r.amount else { throw Refusal.parameter("amount", "is required") }
            guard let measure = r.measureID else { throw Refusal.parameter("measure_id", "is required") }
            return Reply(status: .created, body: try await platform.billing.grantPackage(
                customerID: try Check.required(r.customerID, "customer_id", max: 64), resourceType: try Check.required(r.resourceType, "resource_type", max: 64),
                usageType: try Check.required(r.usageType, "usage_type", max: 64), amount: amount, measureID: measure, region: Check.nonEmpty(r.region),
                effective: try Check.utcTime(r.effectiveTime, "effective_time"), expires: expires, name: r.name))
        }
        router.api(.post, "/operator/v1/usage-records", importUsage, gateway: gateway) { call in
            do {
                let (records, malformed) = try UsageFile.parseBatch(Data(buffer: call.body))
                return try await platform.billing.importUsage(records, malformed: malformed)
            } catch let failed as ImportFailed {
                let shown = failed.problems.prefix(20).map { "records[\($0.line - 1)].\($0.field): \($0.message)" }.joined(separator: "; ")
                throw Refusal.parameter("records", "has \(failed.problems.count) bad records, nothing was imported: \(shown)")
            }
        }
        router.api(.post, "/operator/v1/clock", setClock, gateway: gateway) { call in
            let r = try call.json(ClockRequest.self)
            guard [r.set != nil, r.advance != nil, r.reset == true].filter({ $0 }).count == 1 else {
                throw Refusal.parameter("body", "must give exactly one of set, advance or reset")
            }
            let clock: Database.ClockState
            if let s = r.set {
                guard let t = WireTime.parseUTC(s) else { throw Refusal.parameter("set", "must be a UTC time like 2026-01-31T00:00:00Z") }
                clock = try await platform.database.setClock(to: t)
            } else if let a = r.advance {
                guard let d = BusinessClock.parseDuration(a) else { throw Refusal.parameter("advance", "must be a duration like 90m, 36h or 3d") }
                clock = try await platform.database.setClock(advance: d)
            } else {
                clock = try await platform.database.setClock(reset: true)
            }
            // What fell due on the way is done now, in time order.
            return ClockMove(clock: clock, lifecycle: try await Lifecycle.configured(platform.database).run())
        }
        router.api(.post, "/operator/v1/lifecycle/run", runLifecycle, gateway: gateway) { _ in
            try await Lifecycle.configured(platform.database).run()
        }
        router.api(.post, "/operator/v1/orders", createOrder, gateway: gateway) { call -> Reply<OperatorOrder> in
            Reply(status: .created, body: OperatorOrder(try await platform.orders.place(try call.checked(NewOrder.self))))
        }
        router.api(.get, "/operator/v1/orders/:id", showOrder, gateway: gateway) { call in
            OperatorOrder(try await platform.orders.details(orderID: call.parameters.get("id") ?? ""))
        }
        router.api(.get, "/operator/v1/orders", listOrders, gateway: gateway) { call in
            OrderList(orders: try await platform.orders.list(customerID: try Check.required(call.query("customer_id"), "customer_id", max: 64)))
        }
        router.api(.post, "/operator/v1/resources", provision, gateway: gateway) { call -> Reply<OrderInstance> in
            Reply(status: .created, body: try await platform.resources.provision(try call.checked(Provisioning.self)))
        }
        router.api(.post, "/operator/v1/catalog/import", importCatalog, gateway: gateway) { call in
            do {
                return try await CatalogImport.apply(try CatalogImport.parse(Data(buffer: call.body)), to: platform.database)
            } catch let failed as ImportFailed {
                let shown = failed.problems.prefix(20).map(\.description).joined(separator: "; ")
                throw Refusal.parameter("catalog", "has \(failed.problems.count) bad rows, nothing was imported: \(shown)")
            }
        }
        router.api(.get, "/operator/v1/catalog/export", exportCatalog, gateway: gateway) { _ in
            try await CatalogImport.export(platform.database)
        }
        router.api(.post, "/operator/v1/customers/:id/discounts", setDiscount, gateway: gateway) { call -> Reply<Discount> in
            let r = try call.json(DiscountRequest.self)
            guard let until = try Check.utcTime(r.expireTime, "expire_time") else { throw Refusal.parameter("expire_time", "is required") }
            let service = try Check.required(r.serviceType, "service_type", max: 64)
            guard let rate = r.rate else { throw Refusal.parameter("rate", "is required") }
            return Reply(status: .created, body: try await platform.discounts.set(customerID: call.parameters.get("id") ?? "", serviceType: service, rate: rate,
                                                                                  from: try Check.utcTime(r.effectiveTime, "effective_time"), until: until))
        }
        router.api(.get, "/operator/v1/discounts", listDiscounts, gateway: gateway) { call in
            DiscountList(discounts: try await platform.discounts.list(customerID: Check.nonEmpty(call.query("customer_id"))))
        }
        router.api(.delete, "/operator/v1/discounts/:id", deleteDiscount, gateway: gateway) { call -> Reply<Empty> in
            guard try await platform.discounts.delete(call.parameters.get("id") ?? "") else {
                throw Refusal(.unknownObject, "Invalid parameter: no such discount.")
            }
            return Reply(status: .noContent, body: nil)
        }
        router.api(.post, "/operator/v1/partners/:id/coupon-quotas", grantQuota, gateway: gateway) { call -> Reply<CouponQuota> in
            let r = try call.json(QuotaGrantRequest.self)
            guard let expires = try Check.utcTime(r.expireTime, "expire_time") else { throw Refusal.parameter("expire_time", "is required") }
            let quota = try await platform.coupons.grantQuota(partnerID: call.parameters.get("id") ?? "", amount: try validAmount(r.amount),
                                                              effective: try Check.utcTime(r.effectiveTime, "effective_time"), expires: expires,
                                                              quotaType: r.quotaType ?? 0, serviceTypes: r.cloudServiceTypes ?? [])
            return Reply(status: .created, body: quota)
        }
        router.api(.post, "/operator/v1/partners/:id/fund", fundPartner, gateway: gateway) { call in
            let r = try call.json(FundRequest.self)
            let type: LedgerAccountType
            switch r.account ?? "cash" {
            case "cash": type = .cash
            case "credit": type = .credit
            default: throw Refusal.parameter("account", "must be cash or credit")
            }
            let (id, balance) = try await funds.fund(partnerID: call.parameters.get("id") ?? "", amount: try validAmount(r.amount), account: type, requestID: call.requestID)
            return Funded(transferID: id, balance: balance)
        }
        router.api(.post, "/operator/v1/customers/:id/unbind", unbindCustomer, gateway: gateway) { call in
            let id = call.parameters.get("id") ?? ""
            let (tid, reclaimed) = try await funds.unbind(customerID: id)
            return Unbound(customerID: id, transferID: tid, reclaimed: reclaimed)
        }
        router.api(.get, "/operator/v1/ledger/verify", verifyLedger, gateway: gateway) { _ in
            try await LedgerVerifier.verify(platform.database)
        }
        router.api(.get, "/operator/v1/outbox", outbox, gateway: gateway) { call in
            let mobile = Check.nonEmpty(call.query("mobile_phone"))
            try Check.length(mobile, "mobile_phone", max: 32)
            return Outbox(messages: try await platform.verificationCodes.outbox(mobile: mobile))
        }
        router.api(.get, "/operator/v1/realname-applications", listRealname, gateway: gateway) { call in
            let status = Check.nonEmpty(call.query("status"))
            return RealnameList(applications: try await realname.list(status: status == "all" ? nil : status))
        }
        router.api(.post, "/operator/v1/realname-applications/:id/approve", reviewRealname, gateway: gateway) { call in
            try await realname.review(applicationID: call.parameters.get("id"), customerID: nil, approve: true, reason: nil)
        }
        router.api(.post, "/operator/v1/realname-applications/:id/reject", reviewRealname, gateway: gateway) { call in
            try await realname.review(applicationID: call.parameters.get("id"), customerID: nil, approve: false, reason: try call.json(ReviewRequest.self).reason)
        }
        router.api(.post, "/operator/v1/partners", createPartner, gateway: gateway) { call -> Reply<CreatedPartner> in
            Reply(status: .created, body: try await createPartner(accounts, try call.json(CreatePartnerRequest.self)))
        }
        router.api(.get, "/operator/v1/partners", listPartners, gateway: gateway) { _ in
            PartnerList(partners: try await accounts.listPartners())
        }
        router.api(.post, "/operator/v1/keys", createKey, gateway: gateway) { call -> Reply<AccountStore.KeyPair> in
            let req = try call.json(CreateKeyRequest.self)
            let id = try Check.required(req.domainID, "domain_id", max: 64)
            return Reply(status: .created, body: try await accounts.createKey(accountID: id))
        }
        router.api(.get, "/operator/v1/keys", listKeys, gateway: gateway) { call in
            KeyList(keys: try await accounts.listKeys(accountID: Check.nonEmpty(call.query("domain_id"))))
        }
        router.api(.delete, "/operator/v1/keys/:ak", revokeKey, gateway: gateway) { call -> Reply<Empty> in
            let ak = call.parameters.get("ak") ?? ""
            guard try await accounts.revokeKey(ak) else {
                throw Refusal(.unknownObject, "Invalid parameter: access key \(ak) does not exist or is already revoked.")
            }
            return Reply(status: .noContent, body: nil)
        }
    }
}
