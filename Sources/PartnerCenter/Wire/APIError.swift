import Foundation
import HTTPTypes

/// An error that is answered to the caller in Huawei's envelope:
/// `{"error_code": "CBC.xxxx", "error_msg": "..."}` (gateway errors add `request_id`).
public struct APIError: Error, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// Extra top-level keys some operations return beside the envelope
    /// (CreateSubCustomer's association timeout carries `domain_id`).
    public var extra: [String: String] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, extra: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// Gateway errors (APIGW.*) carry `request_id` in the body as Huawei's gateway does.
    var isGateway: Bool { code.hasPrefix("APIGW.") }
}

extension APIError {
    // MARK: gateway (answered before an operation runs)
    public static func authentication(_ detail: String) -> APIError {
        APIError(.unauthorized, "APIGW.0301", "Incorrect IAM authentication information: \(detail)")
    }
    public static let noSuchAPI = APIError(.notFound, "APIGW.0101", "The API does not exist or has not been published in the environment.")
    public static let tooLarge = APIError(.contentTooLarge, "APIGW.0201", "Request entity too large.")
    public static func throttled(limit: Int) -> APIError {
        APIError(.tooManyRequests, "APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit,limit:\(limit),time:1 second")
    }

    // MARK: operation errors shared by every BSS API
    /// CBC.0100: a parameter is missing, malformed, too long or out of range. Always names the field.
    public static func parameter(_ field: String, _ why: String) -> APIError {
        APIError(Refusal.parameter(field, why))
    }
    /// A NUL character in a string field or parameter. PostgreSQL text cannot store one and
    /// no Huawei field allows one, so it is refused at the edge on every backend alike.
    public static func containsNUL(_ field: String) -> APIError {
        parameter(field, Refusal.nulReason)
    }
    public static let forbidden = APIError(Refusal.forbidden)
    public static let internalError = APIError(.internalServerError, "CBC.0999", "Other errors.")
}

extension StringProtocol {
    /// Whether the text holds a NUL (U+0000), which PostgreSQL text cannot store.
    var containsNUL: Bool { unicodeScalars.contains("\u{0}") }
}
