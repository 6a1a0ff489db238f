import Foundation

/// A strict RFC 8259 syntax check run before decoding, because Foundation's decoder
/// tolerates things (trailing commas) that Huawei's gateway refuses. Depth is bounded
/// so a hostile body cannot exhaust the stack.
///
/// The same pass finds a NUL character (`\u0000`) in any string: PostgreSQL text cannot
/// hold one, so no string carrying it may reach storage. Refusing it here, where every
/// JSON body enters, keeps the rule in one place for both backends.
enum StrictJSON {
    static let maxDepth = 64

    enum Verdict: Equatable {
        case valid
        case malformed
        /// Well-formed, but the string at this field (`a.b[0].c`) holds a NUL.
        case nul(field: String)
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        check(bytes) != .malformed
    }

    static func check(_ bytes: [UInt8]) -> Verdict {
        var p = Parser(b: bytes)
        p.ws()
        guard p.value(depth: 0) else { return .malformed }
        p.ws()
        guard p.i == bytes.count else { return .malformed }
        guard p.sawNUL else { return .valid }
        // Rare: read again, this time keeping the path, to name the field.
        var named = Parser(b: bytes, tracksPath: true)
        named.ws()
        _ = named.value(depth: 0)
        return .nul(field: named.nulField ?? "body")
    }

    struct Parser {
        let b: [UInt8]
        var i = 0
        /// Whether to keep `path`: only the second read of a body with a NUL does, so the
        /// common case pays nothing for naming fields.
        var tracksPath = false
        /// Where the parser is: object keys and `[i]` array positions.
        var path: [String] = []
        var sawNUL = false
        /// The first field whose string (or key) holds a NUL (when tracking the path).
        var nulField: String?

        init(b: [UInt8], tracksPath: Bool = false) {
            self.b = b
            self.tracksPath = tracksPath
        }

        var peek: UInt8? { i < b.count ? b[i] : nil }

        mutating func ws() {
            while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
        }

        mutating func eat(_ c: UInt8) -> Bool {
            guard peek == c else { return false }
            i += 1
            return true
        }

        mutating func literal(_ s: String) -> Bool {
            let u = Array(s.utf8)
            guard i + u.count <= b.count, Array(b[i..<i + u.count]) == u else { return false }
            i += u.count
            return true
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < StrictJSON.maxDepth, let c = peek else { return false }
            switch c {
            case UInt8(ascii: "{"): return object(depth: depth + 1)
            case UInt8(ascii: "["): return array(depth: depth + 1)
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func object(depth: Int) -> Bool {
            i += 1
            ws()
            if eat(UInt8(ascii: "}")) { return true }
            while true {
                ws()
                let keyStart = i
                guard string() else { return false }
                if tracksPath { path.append(Self.keyName(b[keyStart..<i])) }
                defer { if tracksPath { path.removeLast() } }
                ws()
                guard eat(UInt8(ascii: ":")) else { return false }
                ws()
                guard value(depth: depth) else { return false }
                ws()
                if eat(UInt8(ascii: ",")) { continue }
                return eat(UInt8(ascii: "}"))
            }
        }

        mutating func array(depth: Int) -> Bool {
            i += 1
            ws()
            if eat(UInt8(ascii: "]")) { return true }
            var index = 0
            while true {
                ws()
                if tracksPath { path.append("[\(index)]") }
                defer { if tracksPath { path.removeLast() } }
                index += 1
                guard value(depth: depth) else { return false }
                ws()
                if eat(UInt8(ascii: ",")) { continue }
                return eat(UInt8(ascii: "]"))
            }
        }

        mutating func string() -> Bool {
            guard eat(UInt8(ascii: "\"")) else { return false }
            while let c = peek {
                i += 1
                switch c {
                case UInt8(ascii: "\""): return true
                case UInt8(ascii: "\\"):
                    guard let e = peek else { return false }
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        var code = 0
                        for _ in 0..<4 {
                            guard let h = peek, isHex(h) else { return false }
                            code = code * 16 + Self.hexValue(h)
                            i += 1
                        }
                        if code == 0 {
                            sawNUL = true
                            if tracksPath, nulField == nil { nulField = Self.fieldName(path) }
                        }
                    default: return false
                    }
                default:
                    if c < 0x20 { return false }
                }
            }
            return false
        }

        static func hexValue(_ c: UInt8) -> Int {
            switch c {
            case 48...57: return Int(c) - 48
            case 65...70: return Int(c) - 55
            default: return Int(c) - 87
            }
        }

        /// A key as the caller wrote it (escapes decoded when there are any).
        static func keyName(_ quoted: ArraySlice<UInt8>) -> String {
            let inner = quoted.dropFirst().dropLast()
            if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
            return (try? JSONDecoder().decode(String.self, from: Data(quoted))) ?? String(decoding: inner, as: UTF8.self)
        }

        /// `a.b[0].c`, as `WireJSON.fieldName` writes decoding paths; the top level is `body`.
        static func fieldName(_ path: [String]) -> String {
            var out = ""
            for p in path {
                if p.hasPrefix("[") || out.isEmpty { out += p } else { out += "." + p }
            }
            return out.isEmpty ? "body" : out
        }

        func isHex(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
        }

        mutating func digits() -> Bool {
            let start = i
            while let c = peek, c >= 48 && c <= 57 { i += 1 }
            return i > start
        }

        mutating func number() -> Bool {
            _ = eat(UInt8(ascii: "-"))
            if eat(UInt8(ascii: "0")) {
                // no leading zeros
            } else {
                guard let c = peek, c >= 49 && c <= 57 else { return false }
                _ = digits()
            }
            if eat(UInt8(ascii: ".")) { guard digits() else { return false } }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                i += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
                guard digits() else { return false }
            }
            return true
        }
    }
}
