/// Why the platform refuses a request: one of Huawei's named rules, and what the caller
/// reads. Stores and domain code throw refusals; they know nothing of HTTP. The edge
/// (`Wire/RefusalTable.swift`) maps each rule to its status and `CBC.*` code in one table.
public struct Refusal: Error, Sendable, CustomStringConvertible {
    public let rule: Rule
    public let message: String
    /// Extra top-level keys some operations return beside the error
    /// (CreateSubCustomer's association timeout carries `domain_id`).
    public var extra: [String: String] = [:]

    public init(_ rule: Rule, _ message: String, extra: [String: String] = [:]) {
        self.rule = rule
        self.message = message
        self.extra = extra
    }

    public var description: String { "\(rule): \(message)" }

    /// The parameter `field` is missing, malformed, too long or out of range. The message
    /// always names the field.
    public static func parameter(_ field: String, _ why: String) -> Refusal {
        Refusal(.invalidParameter, "Invalid parameter: \(field) \(why).")
    }

    /// The parameter `field` is well formed but names something that cannot be used here.
    public static func invalid(_ field: String, _ why: String) -> Refusal {
        Refusal(.invalidValue, "Invalid parameter: \(field) \(why).")
    }

    /// A NUL character in a string field. PostgreSQL text cannot store one and no Huawei field
    /// allows one, so it is refused on every backend alike.
    public static func containsNUL(_ field: String) -> Refusal {
        parameter(field, nulReason)
    }

    /// The reason every NUL refusal gives, in API errors and import reports alike.
    public static let nulReason = "must not contain a NUL character"

    /// The caller may not call this, or act on this object: the same answer whether the
    /// object exists or not.
    public static let forbidden = Refusal(.forbidden, "Access denied.")
}

/// The rules a request can break. Each case is one rule of Huawei's platform (or of the
/// operator's tools); its status and code live in the edge's table.
public enum Rule: String, Sendable, CaseIterable {
    // Parameters and access, shared by every operation.
    case invalidParameter, invalidValue, forbidden
    /// An operator or console action names something that does not exist.
    case unknownObject
    /// The object is not in a state that allows the action (already reviewed, already unbound…).
    case stateConflict
    /// An `X-Client-Token` was used before for a different request.
    case idempotencyKeyReused
    /// Too many objects were made in one second; retrying succeeds.
    case retryLater
    case unknownPartner

    // Accounts and customers.
    case accountNameTaken, accountNameFormat, mobileTaken, mobileFormat, passwordFormat
    case xaccountIDTaken, verificationCodeIncorrect, verificationCodeExpired
    /// A registration code past its validity; one checked wrongly more than 3 times; too many sent.
    case verificationCodeLapsed, verificationCodeLocked, verificationCodeLimit
    /// A tier-1 distributor takes customers only for its cloud resellers.
    case distributorTakesNoDirectCustomers
    case notYourReseller, notYourCustomer

    // Real-name authentication.
    case attachmentFormat, alreadyAuthenticated, individualAuthenticationFirst
    case tooManyAuthentications, documentUsedTooOften

    // Funds.
    case insufficientBalance, notAResaleCustomer

    // Coupons and quotas.
    case quotaUnusable, quotaNotInForce, quotaInsufficient, restrictionWiderThanQuota
    case couponsNotForCooperationType, consultantCouponsNotReclaimable, couponNotReclaimable

    // Catalog and rating.
    case productNotFound, ratingTooLarge, usageFactorUnknown, usageUnitMismatch

    // Subscriptions and resources.
    case duplicateResourceIDs

    // Orders.
    /// No such order among those the caller may see (a foreign order answers the same).
    case orderNotFound
    /// The order is no longer pending payment (paid, cancelled, or being paid).
    case orderNotPayable
    /// The payment deadline has passed: the order was cancelled.
    case orderPaymentExpired
    /// Only a pending-payment order can be cancelled.
    case orderNotCancellable
    /// The discount chosen is not one this order may use.
    case discountNotUsable
    /// The coupon is used up, expired, not the caller's, or does not apply to the order.
    case couponNotUsable
    /// An attached (secondary) resource is renewed or unsubscribed with its main resource only.
    case notAMainResource
    /// The resource is in a pending-payment order already.
    case resourceInPendingOrder
    /// No such yearly/monthly resource of the caller's in use (expired and released, or unknown).
    case resourceNotRenewable
    /// No such yearly/monthly resource of the caller's (auto-renewal settings).
    case unknownResource
    /// A frozen resource cannot be unsubscribed.
    case resourceFrozen
    /// Renewals only (unsubscribe_type 2), and none has yet to begin.
    case noRenewalToUnsubscribe
    /// ShowRefundOrderDetails names an order that is not an unsubscription.
    case notARefundOrder
    /// A resource in its grace or retention period cannot switch to pay-per-use.
    case inGraceOrRetention
    /// An expired or frozen resource cannot have its auto-renewal set.
    case resourceExpiredOrFrozen
    /// The product has no price for the renewal period asked.
    case renewalPeriodUnavailable
    /// is_auto_pay: the renewal order was placed but could not be paid; it stays pending.
    case autoPayFailed
}
