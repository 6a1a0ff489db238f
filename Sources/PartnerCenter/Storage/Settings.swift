import SQLKit

/// The `settings` table: one value per named key for the whole deployment, shared by every
/// instance. This is the table's only writer; each key is named here with its owner's use.
///
/// Every function works on the caller's connection, so a read or write can sit inside the
/// caller's transaction (the business clock is read inside money-moving transactions).
public enum Settings {
    /// A key of the settings table. The raw values are stored and must never change.
    public enum Key: String, Sendable, CaseIterable {
        /// The business clock's offset from real time, in milliseconds (``BusinessClock``).
        case clockOffset = "clock_offset_ms"
        /// The fingerprint of the master key that seals secrets in this database
        /// (``AccountStore/bootstrap()``): a server started with another key is refused.
        case masterKeyCheck = "master_key_check"
        /// The base URL the last started server is served at (``IdPAdmin/recordServedURL(_:)``),
        /// so the CLI registers built-in IdPs where browsers reach them.
        case ssoPublicURL = "sso_public_url"
        /// Days of grace after a yearly/monthly resource expires, and of retention after that
        /// (``Lifecycle/record(_:graceDays:retentionDays:)``, from `serve`).
        case graceDays = "lifecycle_grace_days"
        case retentionDays = "lifecycle_retention_days"
    }

    public static func value(_ db: any SQLDatabase, _ key: Key) async throws -> String? {
        try await db.raw("SELECT value FROM settings WHERE key = \(bind: key.rawValue)").first()?
            .decode(column: "value", as: String.self)
    }

    /// Sets `key` to `value`, replacing an earlier value.
    public static func set(_ db: any SQLDatabase, _ key: Key, to value: String) async throws {
        try await db.raw("""
            INSERT INTO settings (key, value) VALUES (\(bind: key.rawValue), \(bind: value))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """).run()
    }

    /// Sets `key` only when it has no value yet; answers the value now stored.
    public static func setIfAbsent(_ db: any SQLDatabase, _ key: Key, to value: String) async throws -> String {
        if let existing = try await Self.value(db, key) { return existing }
        try await db.raw("INSERT INTO settings (key, value) VALUES (\(bind: key.rawValue), \(bind: value))").run()
        return value
    }

    public static func remove(_ db: any SQLDatabase, _ key: Key) async throws {
        try await db.raw("DELETE FROM settings WHERE key = \(bind: key.rawValue)").run()
    }
}
