import Foundation
import NIOConcurrencyHelpers

/// Flow control like Huawei's gateway: a token bucket per (caller, API) refilled at
/// `perSecond`; an empty bucket answers 429 APIGW.0308. Per instance, in memory.
public final class RateLimiter: Sendable {
    public let perSecond: Int
    private struct Bucket { var tokens: Double; var at: UInt64 }
    private let buckets = NIOLockedValueBox([String: Bucket]())

    public init(perSecond: Int) { self.perSecond = perSecond }

    /// true when the call may proceed.
    public func allow(_ key: String, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Bool {
        guard perSecond > 0 else { return true }
        let cap = Double(perSecond)
        return buckets.withLockedValue { map in
            if map.count > 100_000 { map.removeAll(keepingCapacity: true) }  // bound memory; buckets refill anyway
            var b = map[key] ?? Bucket(tokens: cap, at: now)
            let elapsed = Double(now &- b.at) / 1e9
            b.tokens = min(cap, b.tokens + elapsed * cap)
            b.at = now
            let ok = b.tokens >= 1
            if ok { b.tokens -= 1 }
            map[key] = b
            return ok
        }
    }
}
