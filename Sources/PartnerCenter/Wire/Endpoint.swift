import HTTPTypes
import HummingbirdCore
import Logging
import Foundation
import Hummingbird

/// One API operation: its name (the SDK's), and which principals may call it.
public struct Operation: Sendable {
    public let name: String
    public let callers: Set<AccountKind>

    public init(_ name: String, callers: Set<AccountKind>) {
        self.name = name
        self.callers = callers
    }
}

/// What a handler receives: the authenticated caller and the request's parts.
public struct Call: Sendable {
    public let principal: Principal
    public let body: ByteBuffer
    public let query: [(String, String)]
    public let parameters: Parameters
    public let headers: HTTPFields
    public let logger: Logger
    public let requestID: String
    /// The operation being called (the SDK's name).
    public let operation: String

    public func json<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try WireJSON.decode(type, from: body)
    }

    /// The query string, for a typed query's `init(_: QueryParameters)`.
    public var queryParameters: QueryParameters { QueryParameters(query) }

    /// First value of a query parameter; "" counts as absent where Huawei says so.
    public func query(_ name: String) -> String? {
        queryParameters.query(name)
    }

    /// `X-Client-Token`: a caller-chosen key that makes a money-moving request safe to
    /// retry (the same key and body answer the first result and move nothing again).
    public var idempotency: (key: String, hash: String)? {
        guard let key = headers[.xClientToken], !key.isEmpty else { return nil }
        // The key is the caller's; the fingerprint covers the operation too, so the same key
        // on another operation is a different request, not a replay.
        return (principal.domainID + ":" + key, SDKSignature.hexSHA256(Array(operation.utf8) + [0] + Array(buffer: body)))
    }

    /// An integer parameter where an empty value is refused rather than read as absent.
    public func queryIntStrict(_ name: String) throws -> Int? {
        try queryParameters.queryIntStrict(name)
    }

    public func queryInt(_ name: String) throws -> Int? {
        try queryParameters.queryInt(name)
    }
}

/// A response with a status other than 200, or no body.
public struct Reply<Body: Encodable & Sendable>: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: Body?

    public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], body: Body?) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

public struct Empty: Codable, Sendable {}

/// The gateway in front of every operation, written once: body limit, authentication,
/// flow control, caller check, JSON in and out, metrics.
public struct Gateway: Sendable {
    public let authenticator: Authenticator
    public let limiter: RateLimiter
    public let metrics: APIMetrics
    public static let maxBody = 2 * 1024 * 1024

    public init(authenticator: Authenticator, limiter: RateLimiter, metrics: APIMetrics) {
        self.authenticator = authenticator
        self.limiter = limiter
        self.metrics = metrics
    }

    func run<Out: Encodable & Sendable>(_ op: Operation, _ request: Request, _ context: PCContext,
                                        _ handler: @Sendable (Call) async throws -> Reply<Out>) async throws -> Response {
        let started = ContinuousClock.now
        do {
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: Self.maxBody)
            } catch {
                throw APIError.tooLarge
            }
            let principal = try await authenticator.authenticate(request, body: Array(buffer: body))
            guard limiter.allow("\(principal.domainID)|\(op.name)") else { throw APIError.throttled(limit: limiter.perSecond) }
            guard op.callers.contains(principal.kind) else { throw APIError.forbidden }
            var logger = context.logger
            logger[metadataKey: "operation"] = .string(op.name)
            logger[metadataKey: "caller"] = .string(principal.domainID)
            let call = Call(principal: principal, body: body, query: Self.queryPairs(request.uri),
                            parameters: context.parameters, headers: request.headers, logger: logger, requestID: context.requestID,
                            operation: op.name)
            let reply = try await handler(call)
            var headers = reply.headers
            var responseBody = ResponseBody()
            if let b = reply.body {
                headers[.contentType] = "application/json;charset=UTF-8"
                responseBody = .init(byteBuffer: try WireJSON.encode(b))
            }
            metrics.record(operation: op.name, status: reply.status.code, started: started)
            return Response(status: reply.status, headers: headers, body: responseBody)
        } catch {
            let e = WireMiddleware.apiError(for: error, context: context)
            metrics.record(operation: op.name, status: e.status.code, started: started)
            throw e
        }
    }

    static func queryPairs(_ uri: URI) -> [(String, String)] {
        guard let q = uri.query, !q.isEmpty else { return [] }
        return q.split(separator: "&").map { item in
            if let eq = item.firstIndex(of: "=") {
                return (SDKSignature.percentDecode(item[..<eq]), SDKSignature.percentDecode(item[item.index(after: eq)...]))
            }
            return (SDKSignature.percentDecode(item), "")
        }
    }
}

extension Router where Context == PCContext {
    /// Registers an operation behind the gateway; the handler's value is the 200 body.
    public func api<Out: Encodable & Sendable>(_ method: HTTPRequest.Method, _ path: RouterPath, _ op: Operation, gateway: Gateway,
                                               _ handler: @escaping @Sendable (Call) async throws -> Out) {
        on(path, method: method) { request, context in
            try await gateway.run(op, request, context) { call in Reply(body: try await handler(call)) }
        }
    }

    /// Registers an operation whose handler chooses status and headers.
    public func api<Out: Encodable & Sendable>(_ method: HTTPRequest.Method, _ path: RouterPath, _ op: Operation, gateway: Gateway,
                                               reply handler: @escaping @Sendable (Call) async throws -> Reply<Out>) {
        on(path, method: method) { request, context in
            try await gateway.run(op, request, context, handler)
        }
    }
}
