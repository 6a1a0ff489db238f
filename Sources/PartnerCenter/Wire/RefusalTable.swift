import HTTPTypes

/// The one table from the platform's rules to Huawei's answers: the HTTP status and the
/// `CBC.*` code each refusal gets on the wire.
extension Rule {
    public var wire: (status: HTTPResponse.Status, code: String) {
        switch self {
        case .invalidParameter: (.badRequest, "CBC.0100")
        case .invalidValue: (.badRequest, "CBC.0101")
        case .forbidden: (.forbidden, "CBC.0151")
        case .unknownObject: (.notFound, "CBC.0100")
        case .stateConflict: (.conflict, "CBC.0100")
        case .idempotencyKeyReused: (.conflict, "CBC.0100")
        case .retryLater: (.tooManyRequests, "CBC.0999")
        case .unknownPartner: (.notFound, "CBC.0151")

        case .accountNameTaken: (.badRequest, "CBC.99000038")
        case .accountNameFormat: (.badRequest, "CBC.99000031")
        case .mobileTaken: (.badRequest, "CBC.99000029")
        case .mobileFormat: (.badRequest, "CBC.5017")
        case .passwordFormat: (.badRequest, "CBC.99000036")
        case .xaccountIDTaken: (.badRequest, "CBC.99000039")
        case .verificationCodeIncorrect: (.badRequest, "CBC.99004010")
        case .verificationCodeExpired: (.badRequest, "CBC.99000027")
        case .verificationCodeLapsed: (.badRequest, "CBC.99004008")
        case .verificationCodeLocked: (.badRequest, "CBC.99004009")
        case .verificationCodeLimit: (.badRequest, "CBC.99000082")
        case .distributorTakesNoDirectCustomers: (.badRequest, "CBC.50010059")
        case .notYourReseller: (.badRequest, "CBC.99000037")
        case .notYourCustomer: (.badRequest, "CBC.99000035")

        case .attachmentFormat: (.badRequest, "CBC.99000100")
        case .alreadyAuthenticated: (.badRequest, "CBC.99007188")
        case .individualAuthenticationFirst: (.badRequest, "CBC.99007004")
        case .tooManyAuthentications: (.badRequest, "CBC.99007191")
        case .documentUsedTooOften: (.badRequest, "CBC.99007189")

        case .insufficientBalance: (.badRequest, "CBC.99005003")
        case .notAResaleCustomer: (.forbidden, "CBC.0150")

        case .quotaUnusable: (.badRequest, "CBC.99000012")
        case .quotaNotInForce: (.badRequest, "CBC.99000017")
        case .quotaInsufficient: (.badRequest, "CBC.99000013")
        case .restrictionWiderThanQuota: (.badRequest, "CBC.99000023")
        case .couponsNotForCooperationType: (.badRequest, "CBC.99000014")
        case .consultantCouponsNotReclaimable: (.badRequest, "CBC.99000045")
        case .couponNotReclaimable: (.badRequest, "CBC.99000048")

        case .productNotFound: (.badRequest, "CBC.99006006")
        case .ratingTooLarge: (.badRequest, "CBC.99006055")
        case .usageFactorUnknown: (.badRequest, "CBC.99006074")
        case .usageUnitMismatch: (.badRequest, "CBC.99006050")

        case .duplicateResourceIDs: (.badRequest, "CBC.30050012")

        case .orderNotFound: (.badRequest, "CBC.30000010")
        case .orderNotPayable: (.badRequest, "CBC.99003106")
        case .orderPaymentExpired: (.badRequest, "CBC.99003110")
        case .orderNotCancellable: (.badRequest, "CBC.99005010")
        case .discountNotUsable: (.badRequest, "CBC.99003108")
        case .couponNotUsable: (.badRequest, "CBC.99003112")
        case .notAMainResource: (.badRequest, "CBC.30010036")
        case .resourceInPendingOrder: (.badRequest, "CBC.99003100")
        case .resourceNotRenewable: (.badRequest, "CBC.99003016")
        case .autoPayFailed: (.badRequest, "CBC.30050006")
        case .renewalPeriodUnavailable: (.badRequest, "CBC.30010069")
        case .unknownResource: (.badRequest, "CBC.99003012")
        case .resourceExpiredOrFrozen: (.badRequest, "CBC.99003602")
        case .resourceFrozen: (.badRequest, "CBC.99003656")
        case .noRenewalToUnsubscribe: (.badRequest, "CBC.99003128")
        case .notARefundOrder: (.badRequest, "CBC.99005026")
        case .inGraceOrRetention: (.badRequest, "CBC.99003610")  // reported in error_details of a 200
        }
    }
}

extension APIError {
    /// A domain refusal as Huawei answers it.
    public init(_ refusal: Refusal) {
        let w = refusal.rule.wire
        self.init(w.status, w.code, refusal.message, extra: refusal.extra)
    }
}
