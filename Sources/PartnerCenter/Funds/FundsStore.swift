import Foundation
import SQLKit

/// Partner and customer funds: grants (拨款) and reclaims (回收) between a partner, its
/// resellers and its customers, balances and records, all on the double-entry ledger.
public struct FundsStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    static let insufficient = Refusal(.insufficientBalance, "Insufficient balance.")
    static let illegal = Refusal(.notAResaleCustomer, "Illegal operation: the customer is not a resale customer of this partner.")

    /// Runs one money movement in its own transaction, mapping ledger refusals to Huawei's codes.
    func move(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Ledger.Posted) async throws -> Ledger.Posted {
        do {
            return try await database.transaction(body)
        } catch let e as LedgerError {
            switch e {
            case .insufficient: throw Self.insufficient
            case .idempotencyConflict: throw Refusal(.idempotencyKeyReused, "Invalid parameter: X-Client-Token was already used for a different request.")
            case .overflow: throw Refusal.parameter("amount", "would overflow the account balance")
            }
        }
    }

    /// The resale customer a payer may move money with; anything else, existing or not, is CBC.0150.
    /// The customer row is locked first (PostgreSQL), as unbind locks it, so a transfer
    /// waiting behind an unbind sees the customer unbound instead of paying it afterwards.
    static func resaleCustomer(_ db: any SQLDatabase, backend: Database.Backend, customerID: String, payer: String) async throws {
        let lock = backend.forUpdate
        let row = try await db.raw("SELECT id FROM customers WHERE id = \(bind: customerID) AND partner_id = \(bind: payer) AND bound = 1 AND association_type = '2'\(lock)").first()
        guard row != nil else { throw illegal }
    }

    static func reseller(_ db: any SQLDatabase, resellerID: String, distributor: String) async throws {
        let row = try await db.raw("SELECT id FROM accounts WHERE id = \(bind: resellerID) AND kind = 'reseller' AND parent_id = \(bind: distributor)").first()
        guard row != nil else { throw Refusal(.notYourReseller, "You have no permission to operate on the cloud reseller \(resellerID).") }
    }

    // MARK: operator

    /// A partner pays the platform: cash (or a credit line) enters from outside.
    public func fund(partnerID: String, amount: Decimal, account: LedgerAccountType, requestID: String? = nil) async throws -> (String, Decimal) {
        guard account == .cash || account == .credit else { throw Refusal.parameter("account", "must be cash or credit") }
        let units = try Units.from(try validAmount(amount, decimals: 2))
        let backend = database.backend
        let posted = try await move { db in
            guard let row = try await db.raw("SELECT kind FROM accounts WHERE id = \(bind: partnerID)").first(),
                  AccountKind(rawValue: try row.decode(column: "kind", as: String.self))?.isPartner == true else {
                throw Refusal(.unknownObject, "Invalid parameter: domain_id \(partnerID) is not a partner.")
            }
            let source = try await Ledger.ensure(db, owner: nil, type: account == .cash ? .external : .creditSource)
            let target = try await Ledger.ensure(db, owner: partnerID, type: account)
            if account == .credit {
                try await Ledger.raiseCreditLimit(db, target, by: units)
            }
            return try await Ledger.post(db, backend: backend, .init(kind: account == .cash ? "RECHARGE" : "ADJUST", from: source, to: target, units: units,
                                                                     partnerID: partnerID, requestID: requestID, idPrefix: account == .cash ? "RC" : "CA"))
        }
        return (posted.id, Units.decimal(posted.toBalanceAfter))
    }

    /// A customer pays into its own cash account (an online payment or bank transfer, as a
    /// referral customer pays the cloud directly): money enters from outside (RECHARGE).
    public func topUp(customerID: String, amount: Decimal, requestID: String? = nil) async throws -> (String, Decimal) {
        let units = try Units.from(try validAmount(amount, decimals: 2))
        let backend = database.backend
        let posted = try await move { db in
            guard try await db.raw("SELECT id FROM customers WHERE id = \(bind: customerID)").first() != nil else {
                throw Refusal(.unknownObject, "Invalid parameter: customer \(customerID) does not exist.")
            }
            let source = try await Ledger.ensure(db, owner: nil, type: .external)
            let target = try await Ledger.ensure(db, owner: customerID, type: .cash)
            return try await Ledger.post(db, backend: backend, .init(kind: "RECHARGE", from: source, to: target, units: units,
                                                                     counterpartyID: customerID, requestID: requestID, idPrefix: "RC"))
        }
        return (posted.id, Units.decimal(posted.toBalanceAfter))
    }

    /// Unbinding ends the association; the customer's cash returns to its partner (BEUNBIND).
    public func unbind(customerID: String) async throws -> (transferID: String?, reclaimed: Decimal) {
        let backend = database.backend
        let result: (String?, Int64) = try await database.transaction { db in
            let lock = backend.forUpdate
            guard let row = try await db.raw("SELECT partner_id, bound FROM customers WHERE id = \(bind: customerID)\(lock)").first() else {
                throw Refusal(.unknownObject, "Invalid parameter: customer \(customerID) does not exist.")
            }
            guard try row.decode(column: "bound", as: Int.self) == 1 else {
                throw Refusal(.stateConflict, "Invalid parameter: customer \(customerID) is already unbound.")
            }
            let partner = try row.decode(column: "partner_id", as: String.self)
            let from = try await Ledger.ensure(db, owner: customerID, type: .cash)
            let to = try await Ledger.ensure(db, owner: partner, type: .cash)
            // Lock both rows in id order (as every transfer does) before reading the amount.
            for id in [from, to].sorted() { _ = try await Ledger.lockedBalance(db, backend: backend, id) }
            let balance = try await Ledger.balance(db, from)
            var id: String?
            if balance > 0 {
                id = try await Ledger.post(db, backend: backend, .init(kind: "BEUNBIND", from: from, to: to, units: balance, partnerID: partner,
                                                                       counterpartyID: customerID, idPrefix: "UB")).id
            }
            try await CustomerStore.markUnbound(db, customerID: customerID, at: try await BusinessClock.now(db))
            return (id, max(balance, 0))
        }
        return (result.0, Units.decimal(result.1))
    }

    // MARK: grants and reclaims

    /// Grant (拨款) or reclaim (回收): money between a partner's cash and its counterparty's.
    public enum Direction: Sendable {
        case grant, reclaim
        var kind: String { self == .grant ? "BEADJUST" : "BERETRIEVE" }
        var prefix: String { self == .grant ? "AD" : "RE" }
    }

    /// One grant or reclaim between `partner` and `counterparty`, after `authorize` has checked
    /// (and, on PostgreSQL, locked) the relationship inside the same transaction.
    func transfer(_ direction: Direction, units: Int64, idempotency: (key: String, hash: String)?, requestID: String,
                  parties: @escaping @Sendable (any SQLDatabase) async throws -> (partner: String, counterparty: String)) async throws -> String {
        let backend = database.backend
        return try await move { db in
            let (partner, counterparty) = try await parties(db)
            let partnerCash = try await Ledger.ensure(db, owner: partner, type: .cash)
            let theirCash = try await Ledger.ensure(db, owner: counterparty, type: .cash)
            let (from, to) = direction == .grant ? (partnerCash, theirCash) : (theirCash, partnerCash)
            return try await Ledger.post(db, backend: backend, .init(kind: direction.kind, from: from, to: to, units: units, partnerID: partner,
                                                                     counterpartyID: counterparty, idempotencyKey: idempotency?.key,
                                                                     requestHash: idempotency?.hash, requestID: requestID, idPrefix: direction.prefix))
        }.id
    }

    /// With one of the payer's resale customers (the payer is a distributor's reseller with indirect_partner_id).
    public func withCustomer(_ direction: Direction, caller: Principal, _ r: CustomerTransfer, idempotency: (key: String, hash: String)?, requestID: String) async throws -> String {
        let customerID = r.customerID
        let backend = database.backend
        return try await transfer(direction, units: r.units, idempotency: idempotency, requestID: requestID) { db in
            let payer = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: r.indirectPartnerID)
            try await Self.resaleCustomer(db, backend: backend, customerID: customerID, payer: payer)
            return (payer, customerID)
        }
    }

    /// Between a distributor and one of its resellers.
    public func withReseller(_ direction: Direction, caller: Principal, _ r: ResellerTransfer, idempotency: (key: String, hash: String)?, requestID: String) async throws -> String {
        let resellerID = r.resellerID
        return try await transfer(direction, units: r.units, idempotency: idempotency, requestID: requestID) { db in
            try await Self.reseller(db, resellerID: resellerID, distributor: caller.domainID)
            return (caller.domainID, resellerID)
        }
    }

    // MARK: balances

    static func balances(_ db: any SQLDatabase, owner: String, types: [LedgerAccountType]) async throws -> [AccountBalance] {
        var out: [AccountBalance] = []
        for type in types {
            let id = Ledger.accountID(owner: owner, type: type)
            let row = try await db.raw("SELECT balance, credit_limit FROM ledger_accounts WHERE id = \(bind: id)").first()
            // The cash account always shows (at 0 before any movement); others once they exist.
            guard row != nil || type == .cash else { continue }
            let balance = try row?.decode(column: "balance", as: Int64.self) ?? 0
            let limit = try row?.decode(column: "credit_limit", as: Int64.self) ?? 0
            out.append(AccountBalance(accountID: id, accountType: type.huaweiType, amount: Units.decimal(balance), currency: Ledger.currency,
                                      designatedAmount: 0, creditAmount: type == .credit ? Units.decimal(limit) : 0, measureID: 1, memo: ""))
        }
        return out
    }

    /// ListPartnerBalances: the caller's own accounts, or a distributor's reseller's.
    public func partnerBalances(caller: Principal, _ q: PartnerBalancesQuery) async throws -> PartnerBalancesResponse {
        try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: q.indirectPartnerID)
            return PartnerBalancesResponse(accountBalances: try await Self.balances(db, owner: owner, types: [.cash, .credit]))
        }
    }

    /// Arrears: what usage charged to the customer's debt account and nothing paid yet.
    static func debt(_ db: any SQLDatabase, customerID: String) async throws -> Decimal {
        let balance = try await Ledger.balance(db, Ledger.accountID(owner: customerID, type: .debt))
        return Units.decimal(max(0, -balance))
    }

    public func customerBalances(caller: Principal) async throws -> CustomerBalancesResponse {
        try await database.read { db in
            var list = try await Self.balances(db, owner: caller.domainID, types: [.cash, .credit])
            // Usable coupons show as one entry (account type 5) with their remaining value.
            let coupons = try await CouponStore.usableCouponValue(db, customerID: caller.domainID, now: try await BusinessClock.now(db))
            if coupons > 0 {
                list.append(AccountBalance(accountID: Ledger.accountID(owner: caller.domainID, type: .coupon), accountType: LedgerAccountType.coupon.huaweiType,
                                           amount: Units.decimal(coupons), currency: Ledger.currency, designatedAmount: 0, creditAmount: 0, measureID: 1, memo: nil))
            }
            return CustomerBalancesResponse(accountBalances: list, debtAmount: try await Self.debt(db, customerID: caller.domainID), measureID: 1, currency: Ledger.currency)
        }
    }

    public func customersBalances(caller: Principal, _ r: BalancesQuestion) async throws -> CustomersBalancesResponse {
        let ids = r.customerIDs
        return try await database.read { db in
            let owner = try await CustomerStore.scope(db, caller: caller, indirectPartnerID: r.indirectPartnerID)
            var out: [CustomerBalanceSummary] = []
            var seen = Set<String>()
            for id in ids where !seen.contains(id) {
                seen.insert(id)
                // Customers that are not this partner's resale customers are left out silently.
                guard try await db.raw("SELECT id FROM customers WHERE id = \(bind: id) AND partner_id = \(bind: owner) AND bound = 1 AND association_type = '2'").first() != nil else { continue }
                let list = try await Self.balances(db, owner: id, types: [.cash, .credit])
                let available = list.reduce(Decimal(0)) { $0 + max($1.amount, 0) }
                out.append(CustomerBalanceSummary(customerID: id, debtAmount: try await Self.debt(db, customerID: id), amount: available, currency: Ledger.currency, measureID: 1))
            }
            return CustomersBalancesResponse(customerBalances: out)
        }
    }
}
