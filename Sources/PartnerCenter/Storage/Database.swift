import Foundation
import NIOConcurrencyHelpers
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The one handle to storage. Every request's writes go through `transaction`, so they
/// commit or vanish together. SQLite: one connection (one writer, WAL, durable commits),
/// calls queue for it. PostgreSQL: a pool shared by any number of server instances.
public final class Database: Sendable {
    public enum Backend: String, Sendable { case sqlite, postgres }

    public let backend: Backend
    public let url: DatabaseURL
    private let sqlite: SQLiteConnection?
    private let sqliteLock: AsyncLock?
    private let postgres: PostgresClient?
    private let postgresRun: Task<Void, Never>?
    let logger: Logger

    private init(url: DatabaseURL, sqlite: SQLiteConnection?, postgres: PostgresClient?, logger: Logger) {
        self.url = url
        self.sqlite = sqlite
        self.sqliteLock = sqlite == nil ? nil : AsyncLock()
        self.postgres = postgres
        self.backend = sqlite == nil ? .postgres : .sqlite
        self.logger = logger
        if let client = postgres {
            postgresRun = Task { await client.run() }
        } else {
            postgresRun = nil
        }
    }

    public static func open(_ url: DatabaseURL, logger: Logger = Logger(label: "partner-center.db")) async throws -> Database {
        switch url {
        case .sqlite(let path):
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let conn: SQLiteConnection
            do {
                conn = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            } catch {
                throw ConfigError("cannot open SQLite database \(path): \(error)")
            }
            let db = conn.sql()
            // WAL lets the CLI read while the server writes; FULL sync makes a commit durable
            // before we answer 200; busy_timeout lets a second process wait for the writer;
            // LIKE is case-sensitive as on PostgreSQL, so filters behave the same on both.
            for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=15000", "PRAGMA case_sensitive_like=ON",
                           // 64 MiB of page cache (the default is 2): bulk imports touch many index pages.
                           "PRAGMA cache_size=-65536",
                           // Multi-row inserts journal each statement so it can be undone alone; in memory, not a temp file.
                           "PRAGMA temp_store=MEMORY"] {
                try await db.raw(SQLQueryString(pragma)).run()
            }
            return Database(url: url, sqlite: conn, postgres: nil, logger: logger)
        case .postgres(let host, let port, let user, let password, let database, let sslmode):
            let tls: PostgresClient.Configuration.TLS
            switch sslmode {
            case "require": tls = .require(.makeClientConfiguration())
            case "prefer": tls = .prefer(.makeClientConfiguration())
            default: tls = .disable
            }
            var config = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
            config.options.maximumConnections = 16
            let client = PostgresClient(configuration: config, backgroundLogger: logger)
            let db = Database(url: url, sqlite: nil, postgres: client, logger: logger)
            // Let the pool's run loop start before the first lease (PostgresNIO warns otherwise);
            // on a busy machine the run task may need more than a few yields to be scheduled.
            for _ in 0..<4 { await Task.yield() }
            try? await Task.sleep(for: .milliseconds(50))
            do {
                _ = try await db.read { try await $0.raw("SELECT 1 AS one").first() }
            } catch {
                await db.close()
                throw ConfigError("cannot connect to PostgreSQL at \(url): \(String(reflecting: error))")
            }
            return db
        }
    }

    public func close() async {
        if let conn = sqlite { try? await conn.close() }
        postgresRun?.cancel()
    }

    /// Runs `body` on one connection without an explicit transaction (single reads).
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let conn = sqlite, let lock = sqliteLock {
            return try await lock.withLock { try await body(conn.sql()) }
        }
        return try await postgres!.withConnection { conn in try await body(conn.sql()) }
    }

    /// Runs `body` in one transaction: all its writes commit together or none do.
    /// PostgreSQL serialization failures and deadlocks are retried from the start.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if let conn = sqlite, let lock = sqliteLock {
            return try await lock.withLock {
                let db = SQLiteSession(base: conn.sql(), connection: conn)
                // IMMEDIATE takes the write lock up front so two processes never deadlock on upgrade.
                try await db.raw("BEGIN IMMEDIATE").run()
                do {
                    let value = try await body(db)
                    try await db.raw("COMMIT").run()
                    return value
                } catch {
                    try? await db.raw("ROLLBACK").run()
                    throw error
                }
            }
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await postgres!.withConnection { conn in
                    let db = conn.sql()
                    try await db.raw("BEGIN").run()
                    do {
                        let value = try await body(db)
                        try await db.raw("COMMIT").run()
                        return value
                    } catch {
                        try? await db.raw("ROLLBACK").run()
                        throw error
                    }
                }
            } catch where attempt < 8 && Database.isRetryable(error) {
                try await Task.sleep(nanoseconds: UInt64(attempt) * 5_000_000)
                continue
            }
        }
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isRetryable(_ error: any Error) -> Bool {
        let state = sqlState(error)
        return state == "40001" || state == "40P01"
    }

    /// A unique or primary-key constraint refused the write (a concurrent twin got there first).
    public static func isUniqueViolation(_ error: any Error) -> Bool {
        if let e = error as? SQLiteError {
            return e.reason == .constraintUniqueFailed || e.reason == .constraintPrimaryKeyFailed
                || (e.reason == .constraint && e.message.contains("UNIQUE"))
        }
        return sqlState(error) == "23505"
    }
}

/// FIFO async mutex: the single SQLite connection is used by one task at a time.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = NIOLockedValueBox(State())

    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLockedValue { s -> Bool in
                if !s.locked { s.locked = true; return true }
                s.waiters.append(cont)
                return false
            }
            if resumeNow { cont.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.locked = false; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

extension Database.Backend {
    /// Row locks for a read-then-write inside a transaction: PostgreSQL needs them; SQLite's
    /// single writer (BEGIN IMMEDIATE) already serializes, and has no FOR UPDATE.
    public var forUpdate: SQLQueryString { self == .postgres ? " FOR UPDATE" : "" }
}

/// A SQLite transaction's handle: SQLKit as everywhere, plus the connection itself, so
/// bulk writes can bind `SQLiteData` directly instead of encoding every value through
/// SQLKit (at a million rows the encoding costs more than SQLite's own work).
struct SQLiteSession: SQLDatabase {
    let base: any SQLDatabase
    let connection: SQLiteConnection

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        base.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }
}
