@preconcurrency import Crypto
import _CryptoExtras
import Foundation

/// Secret material: the master key that seals secret keys at rest, password hashes,
/// and the random identifiers the platform hands out.
public struct MasterKey: Sendable {
    let key: SymmetricKey

    public init(base64: String) throws {
        guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw ConfigError("the master key must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)")
        }
        key = SymmetricKey(data: data)
    }

    public static func generateBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Resolves the key: PARTNER_CENTER_MASTER_KEY, else `file` (created with a fresh key
    /// when absent, mode 0600). Instances sharing a database must share the key.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment, file: String) throws -> MasterKey {
        if let env = environment["PARTNER_CENTER_MASTER_KEY"], !env.isEmpty { return try MasterKey(base64: env) }
        let fm = FileManager.default
        if let data = fm.contents(atPath: file) {
            return try MasterKey(base64: String(decoding: data, as: UTF8.self))
        }
        let dir = (file as NSString).deletingLastPathComponent
        if !dir.isEmpty { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fresh = generateBase64()
        guard fm.createFile(atPath: file, contents: Data((fresh + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigError("cannot write the master key file \(file)")
        }
        return try MasterKey(base64: fresh)
    }

    /// AES-256-GCM, stored as base64 of nonce‖ciphertext‖tag.
    public func seal(_ plaintext: String) throws -> String {
        try AES.GCM.seal(Array(plaintext.utf8), using: key).combined!.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw ConfigError("sealed secret is not base64") }
        let box = try AES.GCM.SealedBox(combined: data)
        return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
    }

    /// A value derived from the key, stored once in the database, so an instance started
    /// with the wrong key refuses to run instead of failing every signature.
    public var fingerprint: String {
        HMAC<SHA256>.authenticationCode(for: Array("partner-center master key check".utf8), using: key).hex
    }
}

public enum Passwords {
    static let rounds = 210_000

    /// PBKDF2-HMAC-SHA256, stored as `pbkdf2-sha256$rounds$salt$hash`.
    public static func hash(_ password: String) throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let derived = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        let hex = derived.withUnsafeBytes { Array($0).hex }
        return "pbkdf2-sha256$\(rounds)$\(salt.hex)$\(hex)"
    }

    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds >= 1000,
              let salt = bytes(fromHex: String(parts[2])) else { return false }
        guard let derived = try? KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds) else { return false }
        return SDKSignature.equal(derived.withUnsafeBytes { Array($0).hex }, String(parts[3]))
    }

    static func bytes(fromHex s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }
}

/// Random identifiers in Huawei's shapes.
public enum Identifiers {
    /// Domain (account) ids: 32 lower-case hex characters.
    public static func domainID() -> String { randomBytes(16).hex }

    /// Request ids: 32 lower-case hex characters.
    public static func requestID() -> String { domainID() }

    /// `count` bytes from the system's secure generator, eight per draw (one system call
    /// each, where a byte at a time would make one per byte).
    static func randomBytes(_ count: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count {
            let v = g.next()
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }
        return Array(out.prefix(count))
    }

    /// `count` characters drawn uniformly from `alphabet` (at most 256 characters): bytes
    /// at or above the largest multiple of the alphabet's size are discarded, so no
    /// character is likelier than another.
    static func random(_ alphabet: String, _ count: Int) -> String {
        let a = Array(alphabet)
        precondition(!a.isEmpty && a.count <= 256, "an alphabet of 1 to 256 characters")
        let limit = 256 - 256 % a.count
        var out: [Character] = []
        out.reserveCapacity(count)
        while out.count < count {
            for b in randomBytes(count - out.count + 8) where Int(b) < limit && out.count < count { out.append(a[Int(b) % a.count]) }
        }
        return String(out)
    }

    /// Access keys: 20 upper-case letters and digits.
    public static func accessKey() -> String { random("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20) }

    /// Secret keys: 40 letters and digits.
    public static func secretKey() -> String { random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40) }

    /// IAM tokens: long opaque strings; only their SHA-256 is stored.
    public static func token() -> String {
        "MII" + random("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 120)
    }
}
