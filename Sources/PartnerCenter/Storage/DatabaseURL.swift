import Foundation

/// Where the data lives: `sqlite:PATH` (embedded default) or `postgres://user:pass@host:port/db`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(host: String, port: Int, user: String, password: String?, database: String, sslmode: String)

    public static let defaultURL = "sqlite:./data/partner-center.sqlite"

    public init(_ text: String) throws {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }  // sqlite:///abs/path
            guard !path.isEmpty else { throw ConfigError("database URL \(text) names no file") }
            self = .sqlite(path: path)
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
              let comps = URLComponents(string: text), let host = comps.host, !host.isEmpty else {
            throw ConfigError("database URL must be sqlite:PATH or postgres://user:pass@host:port/db, got \(text)")
        }
        let db = comps.path.hasPrefix("/") ? String(comps.path.dropFirst()) : comps.path
        let user = comps.user ?? "postgres"
        let ssl = comps.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard ["disable", "prefer", "require"].contains(ssl) else { throw ConfigError("sslmode must be disable, prefer or require") }
        self = .postgres(host: host, port: comps.port ?? 5432, user: user, password: comps.password,
                         database: db.isEmpty ? user : db, sslmode: ssl)
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let host, let port, let user, _, let db, _): return "postgres://\(user)@\(host):\(port)/\(db)"
        }
    }
}

/// A configuration mistake: reported to the operator as one clear line, never a trace.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
