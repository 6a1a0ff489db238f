/// A request's query string as decoded name/value pairs, in order; a name may repeat.
/// What a typed query (`ListIssuedQuotasQuery`, …) is read from, so stores never see a `Call`.
public struct QueryParameters: Sendable {
    public let pairs: [(String, String)]

    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs
    }

    /// First value of a query parameter; "" counts as absent where Huawei says so.
    public func query(_ name: String) -> String? {
        pairs.first(where: { $0.0 == name })?.1
    }

    public subscript(_ name: String) -> String? { query(name) }

    /// Every value of a repeated parameter, in order (empty values included).
    public func values(_ name: String) -> [String] {
        pairs.filter { $0.0 == name }.map(\.1)
    }

    /// Whether the parameter is present at all, even with an empty value.
    public func contains(_ name: String) -> Bool {
        pairs.contains { $0.0 == name }
    }

    /// An integer parameter where an empty value is refused rather than read as absent.
    public func queryIntStrict(_ name: String) throws -> Int? {
        if query(name) == "" { throw Refusal.parameter(name, "must not be empty") }
        return try queryInt(name)
    }

    public func queryInt(_ name: String) throws -> Int? {
        guard let text = query(name), !text.isEmpty else { return nil }
        guard let v = Int(text) else { throw Refusal.parameter(name, "must be an integer") }
        return v
    }
}
