import HTTPTypes
import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// Checks a request's credentials the way Huawei's API gateway does: an IAM token in
/// `X-Auth-Token`, or an `SDK-HMAC-SHA256` signature by an access key. Signature and
/// token checks always use the real clock.
public struct Authenticator: Sendable {
    public let accounts: AccountStore
    public var maxSkewMillis: Int64 = 15 * 60 * 1000
    let lockouts = AKLockouts()

    public init(accounts: AccountStore) { self.accounts = accounts }

    public func authenticate(_ request: Request, body: [UInt8]) async throws -> Principal {
        if let token = request.headers[.xAuthToken], !token.isEmpty {
            switch try await accounts.checkToken(token) {
            case .valid(let p): return p
            case .expired(let at): throw APIError.authentication("token expires, expires_at: \(WireTime.utc(at))")
            case .unknown: throw APIError.authentication("decrypt token fail")
            }
        }
        guard let header = request.headers[.authorization], !header.isEmpty else {
            throw APIError.authentication("x-auth-token not found")
        }
        guard let auth = SDKSignature.parseAuthorization(header) else {
            throw APIError.authentication("the Authorization header is not a valid SDK-HMAC-SHA256 signature header")
        }
        let now = WireTime.nowMillis()
        if lockouts.isLocked(auth.accessKey, now: now) {
            throw APIError.authentication("AK access failed to reach the limit,forbidden")
        }
        guard let dateText = request.headers[.xSdkDate], let date = WireTime.parseBasic(dateText) else {
            throw APIError.authentication("X-Sdk-Date is missing or not in the format yyyyMMddTHHmmssZ")
        }
        guard abs(now - date) <= maxSkewMillis else {
            throw APIError.authentication("the request date \(dateText) is more than 15 minutes away from the server time \(WireTime.utc(now))")
        }
        guard auth.signedHeaders.contains("x-sdk-date") else {
            throw APIError.authentication("X-Sdk-Date must be a signed header")
        }
        guard let (principal, secret) = try await accounts.keyOwner(auth.accessKey) else {
            lockouts.failed(auth.accessKey, now: now)
            throw APIError.authentication("ak \(auth.accessKey) not found or revoked")
        }
        let target = request.head.path ?? "/"
        let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
        let canonical = SDKSignature.canonicalRequest(
            method: request.method.rawValue, path: path, rawQuery: query, signedHeaders: auth.signedHeaders,
            header: { name in
                if name == "host" { return request.head.authority }
                guard let field = HTTPField.Name(name) else { return nil }
                let values = request.headers[values: field]
                return values.isEmpty ? nil : values.joined(separator: ",")
            }, body: body)
        let expected = SDKSignature.sign(stringToSign: SDKSignature.stringToSign(canonicalRequest: canonical, sdkDate: dateText), secretKey: secret)
        guard SDKSignature.equal(expected, auth.signature.lowercased()) else {
            lockouts.failed(auth.accessKey, now: now)
            throw APIError.authentication("verify aksk signature fail")
        }
        if let domain = request.headers[.xDomainID], !domain.isEmpty, domain != principal.domainID {
            throw APIError.authentication("X-Domain-Id \(domain) does not match the access key's account")
        }
        lockouts.succeeded(auth.accessKey)
        return principal
    }
}

/// After 5 consecutive failed AK/SK authentications an AK is locked for 5 minutes,
/// as Huawei's gateway does. Per instance.
final class AKLockouts: Sendable {
    private struct Entry { var failures: Int; var lockedUntil: Int64 }
    private let state = NIOLockedValueBox([String: Entry]())
    static let limit = 5
    static let lockMillis: Int64 = 5 * 60 * 1000

    func isLocked(_ ak: String, now: Int64) -> Bool {
        state.withLockedValue { ($0[ak]?.lockedUntil ?? 0) > now }
    }

    func failed(_ ak: String, now: Int64) {
        state.withLockedValue { map in
            if map.count > 100_000 { map = map.filter { $0.value.lockedUntil > now } }
            var e = map[ak] ?? Entry(failures: 0, lockedUntil: 0)
            e.failures += 1
            if e.failures >= Self.limit { e.lockedUntil = now + Self.lockMillis; e.failures = 0 }
            map[ak] = e
        }
    }

    func succeeded(_ ak: String) {
        _ = state.withLockedValue { $0.removeValue(forKey: ak) }
    }
}
