import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging

/// Per-request state: the request id every response and log line carries.
public struct PCContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let requestID: String

    public init(source: Source) {
        coreContext = .init(source: source)
        requestID = Identifiers.requestID()
        logger[metadataKey: "request_id"] = .string(requestID)
    }
}

extension HTTPField.Name {
    public static let xRequestID = Self("X-Request-Id")!
    public static let xSubjectToken = Self("X-Subject-Token")!
    public static let xAuthToken = Self("X-Auth-Token")!
    public static let xSdkDate = Self("X-Sdk-Date")!
    public static let xDomainID = Self("X-Domain-Id")!
    public static let xClientToken = Self("X-Client-Token")!
}

/// Every response leaves through here: errors become Huawei's envelope, every response
/// gets `X-Request-Id`, and an unexpected error is logged with the request id and
/// answered as CBC.0999 without details.
struct WireMiddleware: RouterMiddleware {
    typealias Context = PCContext
    let metrics: APIMetrics

    func handle(_ request: Request, context: PCContext, next: (Request, PCContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            if let field = Self.nulField(request.uri) { throw APIError.containsNUL(field) }
            response = try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error, context: context)
            if apiError.code == APIError.noSuchAPI.code { metrics.record(operation: "unknown", status: apiError.status.code, started: nil) }
            response = Self.response(apiError, requestID: context.requestID)
        }
        response.headers[.xRequestID] = context.requestID
        return response
    }

    /// The parameter whose percent-decoded name or value holds a NUL (`%00`), or "path".
    /// Checked here, before routing, so no page, API or console ever passes one to storage.
    static func nulField(_ uri: URI) -> String? {
        if uri.path.contains("%00") || uri.path.containsNUL { return "path" }
        guard let query = uri.query, query.contains("%00") else { return nil }
        for item in query.split(separator: "&") where item.contains("%00") {
            let name = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return name.contains("%00") ? "query" : SDKSignature.percentDecode(name)
        }
        return nil
    }

    static func apiError(for error: any Error, context: PCContext) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case let r as Refusal:
            return APIError(r)
        case let e as HTTPError where e.status == .notFound || e.status == .methodNotAllowed:
            return .noSuchAPI
        case let e as HTTPError where e.status == .contentTooLarge:
            return .tooLarge
        case LedgerError.insufficient:
            // A balance moved under the request between its check and its transfer.
            return APIError(Refusal(.insufficientBalance, "Insufficient balance."))
        default:
            context.logger.error("unexpected error", metadata: ["error": .string(String(reflecting: error))])
            return .internalError
        }
    }

    static func response(_ error: APIError, requestID: String) -> Response {
        var body: [String: String] = error.extra
        body["error_code"] = error.code
        body["error_msg"] = error.message
        if error.isGateway { body["request_id"] = requestID }
        let buffer = (try? WireJSON.encode(body)) ?? ByteBuffer(string: "{}")
        return Response(status: error.status, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: buffer))
    }
}
