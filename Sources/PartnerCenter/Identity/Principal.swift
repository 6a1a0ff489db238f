import Foundation

/// What kind of account a caller is. Partners come in three kinds; a reseller
/// (二级经销商) always has a parent distributor (一级经销商).
public enum AccountKind: String, Sendable, CaseIterable, Codable {
    case `operator`
    case solutionProvider = "solution-provider"
    case distributor
    case reseller
    case customer

    public var isPartner: Bool { self == .solutionProvider || self == .distributor || self == .reseller }

    public static let partners: Set<AccountKind> = [.solutionProvider, .distributor, .reseller]
}

/// The authenticated caller of a request.
public struct Principal: Sendable, Equatable {
    public let domainID: String
    public let domainName: String
    public let kind: AccountKind
    /// A reseller's distributor; nil for everyone else.
    public let parentID: String?
    /// How the caller proved itself, for logs.
    public let via: String
    /// For a customer token a partner obtained with IAM assume_role: that partner.
    public var actingPartnerID: String? = nil
}
