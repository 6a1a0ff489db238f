/// A strict RFC 8259 syntax check run before decoding, because Foundation's decoder
/// tolerates things (trailing commas) that Huawei's gateway refuses. Depth is bounded
/// so a hostile body cannot exhaust the stack.
enum StrictJSON {
    static let maxDepth = 64

    static func isValid(_ bytes: [UInt8]) -> Bool {
        var p = Parser(b: bytes)
        p.ws()
        guard p.value(depth: 0) else { return false }
        p.ws()
        return p.i == bytes.count
    }

    struct Parser {
        let b: [UInt8]
        var i = 0

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
                guard string() else { return false }
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
            while true {
                ws()
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
                        for _ in 0..<4 {
                            guard let h = peek, isHex(h) else { return false }
                            i += 1
                        }
                    default: return false
                    }
                default:
                    if c < 0x20 { return false }
                }
            }
            return false
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
