import CSAML
import Foundation

/// Why a SAML message or a metadata document was refused: `check` names the rule for logs,
/// `message` is what the person in front of the browser (or the operator) reads.
public struct SSOFailure: Error, Sendable, CustomStringConvertible {
    public let check: String
    public let message: String
    public init(_ check: String, _ message: String) { self.check = check; self.message = message }
    public var description: String { "\(check): \(message)" }
}

/// A parsed XML document (libxml2), owned and freed here. Parsing refuses DTDs and entities.
final class XMLTree {
    let doc: csaml_doc

    init(parsing bytes: [UInt8], check: String = "xml") throws {
        var err = [CChar](repeating: 0, count: 256)
        let parsed = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { csaml_parse($0, Int32(buf.count), &err, 256) }
        }
        guard let parsed else { throw SSOFailure(check, XMLSecurity.string(err)) }
        doc = parsed
    }

    convenience init(parsing text: String, check: String = "xml") throws {
        try self.init(parsing: Array(text.utf8), check: check)
    }

    deinit { csaml_doc_free(doc) }

    var root: XMLNode { XMLNode(csaml_root(doc)!) }

    /// Declares `ID` attributes so signature references resolve; duplicate IDs are refused.
    func registerIDs() throws {
        var err = [CChar](repeating: 0, count: 256)
        guard csaml_register_ids(doc, &err, 256) == 0 else { throw SSOFailure("duplicate-id", XMLSecurity.string(err)) }
    }

    func serialized() -> String {
        var len: Int32 = 0
        guard let p = csaml_serialize(doc, &len) else { return "" }
        defer { csaml_free(p) }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: Int(len)), as: UTF8.self)
    }
}

/// An element of an `XMLTree`; valid only while its tree lives.
struct XMLNode {
    let ptr: csaml_node
    init(_ ptr: csaml_node) { self.ptr = ptr }

    var localName: String { String(decodingCString: csaml_name(ptr)) }
    var namespace: String { String(decodingCString: csaml_ns(ptr)) }
    func `is`(_ name: String, _ ns: String) -> Bool { localName == name && namespace == ns }

    var parent: XMLNode? { csaml_parent_element(ptr).map(XMLNode.init) }

    var elements: [XMLNode] {
        var out: [XMLNode] = []
        var cur = csaml_first_element(ptr)
        while let c = cur {
            out.append(XMLNode(c))
            cur = csaml_next_element(c)
        }
        return out
    }

    func children(_ name: String, _ ns: String) -> [XMLNode] { elements.filter { $0.is(name, ns) } }
    func child(_ name: String, _ ns: String) -> XMLNode? { children(name, ns).first }

    /// Every element below this one (depth first), this one included.
    func descendants(_ name: String, _ ns: String) -> [XMLNode] {
        var out: [XMLNode] = []
        func walk(_ n: XMLNode) {
            if n.is(name, ns) { out.append(n) }
            for c in n.elements { walk(c) }
        }
        walk(self)
        return out
    }

    /// An attribute without namespace.
    func attribute(_ name: String) -> String? {
        guard let v = csaml_attr(ptr, name) else { return nil }
        defer { csaml_free(v) }
        return String(decodingCString: v)
    }

    var text: String {
        guard let v = csaml_text(ptr) else { return "" }
        defer { csaml_free(v) }
        return String(decodingCString: v)
    }
}

extension String {
    init(decodingCString p: UnsafePointer<CChar>) {
        self = String(decoding: UnsafeRawBufferPointer(start: p, count: strlen(p)), as: UTF8.self)
    }
}

/// An RSA key with its self-signed certificate, both PEM.
public struct SigningKeyPair: Sendable {
    public let keyPEM: String
    public let certPEM: String

    public init(keyPEM: String, certPEM: String) { self.keyPEM = keyPEM; self.certPEM = certPEM }

    public static func generate(commonName: String) throws -> SigningKeyPair {
        var key: UnsafeMutablePointer<CChar>? = nil
        var cert: UnsafeMutablePointer<CChar>? = nil
        guard csaml_generate(2048, commonName, 3650, &key, &cert) == 0, let key, let cert else {
            throw ConfigError("could not generate a SAML signing key")
        }
        defer { csaml_free(key); csaml_free(cert) }
        return SigningKeyPair(keyPEM: String(decodingCString: key), certPEM: String(decodingCString: cert))
    }

    /// Checks a configured pair: a parseable RSA certificate whose key is this private key.
    public func validated() throws -> SigningKeyPair {
        do { try XMLSecurity.checkCertificate(certPEM) } catch let f as SSOFailure { throw ConfigError("--saml-cert: \(f.message)") }
        guard let sig = try? XMLSecurity.rsaSign("partner-center", keyPEM: keyPEM) else {
            throw ConfigError("--saml-key is not a PEM RSA private key")
        }
        guard XMLSecurity.rsaVerify("partner-center", signatureBase64: sig, certPEM: certPEM) else {
            throw ConfigError("--saml-key does not belong to the certificate in --saml-cert")
        }
        return self
    }

    /// The certificate's base64 body, as metadata and KeyInfo carry it.
    public var certBase64: String { XMLSecurity.base64Body(ofPEM: certPEM) }
}

enum XMLSecurity {
    static let dsig = "http://www.w3.org/2000/09/xmldsig#"

    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(decodingCString: $0.baseAddress!) }
    }

    static func base64Body(ofPEM pem: String) -> String {
        pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A certificate's base64 (whitespace anywhere) as PEM.
    static func pem(fromBase64 b64: String) -> String {
        let clean = b64.filter { !$0.isWhitespace }
        var lines: [String] = []
        var rest = Substring(clean)
        while !rest.isEmpty { lines.append(String(rest.prefix(64))); rest = rest.dropFirst(64) }
        return "-----BEGIN CERTIFICATE-----\n" + lines.joined(separator: "\n") + "\n-----END CERTIFICATE-----\n"
    }

    static func checkCertificate(_ pem: String) throws {
        var err = [CChar](repeating: 0, count: 256)
        guard csaml_check_cert(pem, Int32(pem.utf8.count), &err, 256) == 0 else { throw SSOFailure("certificate", XMLSecurity.string(err)) }
    }

    /// Fills a `ds:Signature` template in place.
    static func sign(_ signature: XMLNode, with pair: SigningKeyPair) throws {
        guard csaml_init() == 0 else { throw ConfigError("libxmlsec1 failed to initialise") }
        var err = [CChar](repeating: 0, count: 256)
        guard csaml_sign(signature.ptr, pair.keyPEM, Int32(pair.keyPEM.utf8.count), pair.certPEM, Int32(pair.certPEM.utf8.count), &err, 256) == 0 else {
            throw ConfigError("XML signing failed: \(XMLSecurity.string(err))")
        }
    }

    /// Verifies a `ds:Signature` with the given certificate and answers the one Reference URI it signs.
    static func verify(_ signature: XMLNode, certPEM: String) throws -> String {
        var err = [CChar](repeating: 0, count: 256)
        var uri = [CChar](repeating: 0, count: 512)
        guard csaml_verify(signature.ptr, certPEM, Int32(certPEM.utf8.count), &uri, 512, &err, 256) == 0 else {
            throw SSOFailure("signature", XMLSecurity.string(err))
        }
        return XMLSecurity.string(uri)
    }

    /// RSA-SHA256 over bytes, base64 — the HTTP-Redirect binding's `Signature`.
    static func rsaSign(_ data: String, keyPEM: String) throws -> String {
        var sig = [UInt8](repeating: 0, count: 1024)
        var len = 0
        let bytes = Array(data.utf8)
        guard csaml_rsa_sign(keyPEM, Int32(keyPEM.utf8.count), bytes, bytes.count, &sig, &len) == 0 else {
            throw ConfigError("RSA signing failed")
        }
        return Data(sig[0..<len]).base64EncodedString()
    }

    static func rsaVerify(_ data: String, signatureBase64: String, certPEM: String) -> Bool {
        guard let sig = Data(base64Encoded: signatureBase64) else { return false }
        let bytes = Array(data.utf8), s = Array(sig)
        return csaml_rsa_verify(certPEM, Int32(certPEM.utf8.count), bytes, bytes.count, s, s.count) == 0
    }

    static func deflate(_ text: String) throws -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: UnsafeMutablePointer<UInt8>? = nil
        var len = 0
        guard csaml_deflate(bytes, bytes.count, &out, &len) == 0, let out else { throw ConfigError("deflate failed") }
        defer { csaml_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: len))
    }

    static func inflate(_ bytes: [UInt8], max: Int = 256 * 1024) -> [UInt8]? {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var len = 0
        guard csaml_inflate(bytes, bytes.count, max, &out, &len) == 0, let out else { return nil }
        defer { csaml_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: len))
    }
}
