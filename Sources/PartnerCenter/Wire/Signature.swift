import Crypto
import Foundation

/// Huawei's `SDK-HMAC-SHA256` request signature, computed exactly as the official SDK
/// signers do, so the server can recompute and compare it.
public enum SDKSignature {
    public static let algorithm = "SDK-HMAC-SHA256"
    public static let emptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The parsed `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...` header.
    public struct Authorization: Sendable, Equatable {
        public var accessKey: String
        public var signedHeaders: [String]
        public var signature: String
    }

    public static func parseAuthorization(_ value: String) -> Authorization? {
        guard value.hasPrefix(algorithm + " ") else { return nil }
        var fields: [String: String] = [:]
        for part in value.dropFirst(algorithm.count + 1).split(separator: ",") {
            let kv = part.trimmingCharacters(in: .whitespaces)
            guard let eq = kv.firstIndex(of: "=") else { return nil }
            fields[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
        }
        guard let ak = fields["Access"], !ak.isEmpty,
              let sh = fields["SignedHeaders"], !sh.isEmpty,
              let sig = fields["Signature"], !sig.isEmpty else { return nil }
        return Authorization(accessKey: ak, signedHeaders: sh.split(separator: ";").map(String.init), signature: sig)
    }

    /// RFC 3986 encoding as Python's `quote(s, safe='~')`: unreserved characters stay.
    public static func percentEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    public static func percentDecode(_ s: Substring) -> String {
        s.removingPercentEncoding ?? String(s)
    }

    /// Canonical URI: each decoded path segment re-encoded, always ending with "/".
    public static func canonicalURI(path: String) -> String {
        let decoded = path.removingPercentEncoding ?? path
        var uri = decoded.split(separator: "/", omittingEmptySubsequences: false).map { percentEncode(String($0)) }.joined(separator: "/")
        if !uri.hasSuffix("/") { uri += "/" }
        return uri
    }

    /// Canonical query: decoded pairs sorted by key then value, re-encoded.
    public static func canonicalQuery(rawQuery: String) -> String {
        guard !rawQuery.isEmpty else { return "" }
        var pairs: [(String, String)] = []
        for item in rawQuery.split(separator: "&") {
            if let eq = item.firstIndex(of: "=") {
                pairs.append((percentDecode(item[..<eq]), percentDecode(item[item.index(after: eq)...])))
            } else {
                pairs.append((percentDecode(item), ""))
            }
        }
        pairs.sort { $0.0 == $1.0 ? $0.1.unicodeScalars.lexicographicallyPrecedes($1.1.unicodeScalars) : $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
        return pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    public static func hexSHA256<D: DataProtocol>(_ data: D) -> String {
        SHA256.hash(data: data).hex
    }

    /// The canonical request the signer hashed. `header(name)` answers a lower-cased
    /// header's value as received (nil when absent).
    public static func canonicalRequest(method: String, path: String, rawQuery: String,
                                        signedHeaders: [String], header: (String) -> String?,
                                        body: [UInt8]) -> String {
        let headers = signedHeaders.map { name in "\(name):\((header(name) ?? "").trimmingCharacters(in: .whitespaces))" }
        let payloadHash: String
        if body.isEmpty {
            payloadHash = emptyBodyHash
        } else if let declared = header("x-sdk-content-sha256"), !declared.isEmpty {
            payloadHash = declared
        } else {
            payloadHash = hexSHA256(body)
        }
        return [method.uppercased(), canonicalURI(path: path), canonicalQuery(rawQuery: rawQuery),
                headers.joined(separator: "\n") + "\n", signedHeaders.joined(separator: ";"), payloadHash].joined(separator: "\n")
    }

    public static func stringToSign(canonicalRequest: String, sdkDate: String) -> String {
        "\(algorithm)\n\(sdkDate)\n\(hexSHA256(Array(canonicalRequest.utf8)))"
    }

    public static func sign(stringToSign: String, secretKey: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: SymmetricKey(data: Array(secretKey.utf8)))
        return mac.hex
    }

    /// Constant-time comparison so the signature check leaks no timing.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex by table: `String(format:)` per byte costs microseconds a digest.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for b in self {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

