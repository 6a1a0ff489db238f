import Foundation
import NIOCore

/// JSON coding shared by every route: the SDK's snake_case keys are spelled out in each
/// model's CodingKeys (no key strategy, so nothing is guessed), nulls are omitted
/// (synthesized `encodeIfPresent`), and money is `Decimal`, written as a JSON number
/// from its exact decimal digits.
public enum WireJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        ByteBuffer(data: try encoder().encode(value))
    }

    /// Decodes a request body. An empty body is read as `{}` (every field omitted).
    /// Any failure becomes CBC.0100 naming the offending field.
    public static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        var data = Data(buffer: body)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { data = Data("{}".utf8) }
        switch StrictJSON.check(Array(data)) {
        case .valid: break
        case .malformed: throw APIError.parameter("body", "is not valid JSON")
        case .nul(let field): throw APIError.containsNUL(field)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw map(error)
        } catch let error as APIError {
            throw error
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw APIError.parameter("body", "is not valid JSON")
        }
    }

    static func fieldName(_ path: [any CodingKey]) -> String {
        let parts = path.map { key -> String in
            if let i = key.intValue { return "[\(i)]" }
            return key.stringValue
        }
        var out = ""
        for p in parts {
            if p.hasPrefix("[") || out.isEmpty { out += p } else { out += "." + p }
        }
        return out.isEmpty ? "body" : out
    }

    static func map(_ error: DecodingError) -> APIError {
        switch error {
        case .typeMismatch(let type, let ctx):
            return .parameter(fieldName(ctx.codingPath), "must be \(typeName(type))")
        case .valueNotFound(let type, let ctx):
            return .parameter(fieldName(ctx.codingPath), "must be \(typeName(type)), not null")
        case .keyNotFound(let key, let ctx):
            return .parameter(fieldName(ctx.codingPath + [key]), "is required")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return .parameter("body", "is not valid JSON") }
            return .parameter(fieldName(ctx.codingPath), "has an invalid value")
        @unknown default:
            return .parameter("body", "is not valid JSON")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Bool.Type: return "a boolean"
        case is Decimal.Type: return "a number"
        case is [String: Any].Type: return "an object"
        default:
            let n = String(describing: type)
            if n.hasPrefix("Array") { return "an array" }
            if n.hasPrefix("Dictionary") { return "an object" }
            return "of type \(n)"
        }
    }
}
