import Crypto
import Foundation
import SQLKit

/// One metered usage record, exactly the keys a usage file carries.
public struct UsageRecord: Codable, Sendable, Equatable {
    public var recordID: String
    public var customerID: String
    public var resourceID: String
    public var cloudServiceType: String
    public var resourceType: String
    public var resourceSpec: String
    public var region: String
    public var usageType: String
    public var usageValue: Decimal
    public var usageMeasureID: Int
    public var beginTime: String
    public var endTime: String
    public var resourceName: String?
    public var resourceSize: Int?
    public var sizeMeasureID: Int?

    public static let keys: [String] = ["record_id", "customer_id", "resource_id", "cloud_service_type", "resource_type", "resource_spec", "region",
                                        "usage_type", "usage_value", "usage_measure_id", "begin_time", "end_time", "resource_name", "resource_size", "size_measure_id"]
    static let required = Set(keys.prefix(12))

    enum CodingKeys: String, CodingKey {
        case recordID = "record_id", customerID = "customer_id", resourceID = "resource_id", cloudServiceType = "cloud_service_type"
        case resourceType = "resource_type", resourceSpec = "resource_spec", region, usageType = "usage_type", usageValue = "usage_value"
        case usageMeasureID = "usage_measure_id", beginTime = "begin_time", endTime = "end_time", resourceName = "resource_name"
        case resourceSize = "resource_size", sizeMeasureID = "size_measure_id"
    }

    /// A digest of the content, so a repeated record id can be told from a conflicting one.
    /// The digest of the fields joined by U+001F, gathered as bytes and hashed at once.
    var contentHash: String {
        let parts: [String] = [recordID, customerID, resourceID, cloudServiceType, resourceType, resourceSpec, region, usageType,
                               Money.format(usageValue), String(usageMeasureID), beginTime, endTime, resourceName ?? "",
                               resourceSize.map(String.init) ?? "", sizeMeasureID.map(String.init) ?? ""]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(parts.reduce(parts.count) { $0 + $1.utf8.count })
        for (i, part) in parts.enumerated() {
            if i > 0 { bytes.append(0x1F) }
            bytes.append(contentsOf: part.utf8)
        }
        return SHA256.hash(data: bytes).hex
    }
}

public struct UsageImportSummary: Codable, Sendable {
    public var imported: Int
    public var duplicates: Int
    public var rejected: Int
    public var feeRecords: Int
    enum CodingKeys: String, CodingKey { case imported, duplicates, rejected, feeRecords = "fee_records" }
    public init(imported: Int, duplicates: Int, rejected: Int, feeRecords: Int) {
        self.imported = imported; self.duplicates = duplicates; self.rejected = rejected; self.feeRecords = feeRecords
    }
}

/// Reading usage files (JSON Lines or CSV with a header) into records, every bad row named.
public enum UsageFile {
    public static func parse(_ data: Data) throws -> [(line: Int, record: UsageRecord)] {
        let (records, problems) = try parseCollecting(data)
        if !problems.isEmpty { throw ImportFailed(problems: problems) }
        return records
    }

    /// The well-formed records and the problems of the others, so the import can check the
    /// content of the former and name every bad row at once.
    public static func parseCollecting(_ data: Data) throws -> (records: [(line: Int, record: UsageRecord)], problems: [ImportProblem]) {
        var problems: [ImportProblem] = []
        var out: [(Int, UsageRecord)] = []
        let isJSON = data.first { !(0x20 == $0 || 0x09 == $0 || 0x0A == $0 || 0x0D == $0) } == 0x7B
        if isJSON {
            // Large files are read in a few parts at once, each starting at a line start;
            // line numbers are made whole again when the parts are joined.
            data.withUnsafeBytes { raw in
                let b = raw.bindMemory(to: UInt8.self)
                let parts = b.count < 4 << 20 ? 1 : max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
                var bounds = [0]
                for k in 1..<parts {
                    var cut = max(bounds[k - 1], b.count * k / parts)
                    while cut < b.count, b[cut - 1] != 0x0A { cut += 1 }
                    bounds.append(cut)
                }
                bounds.append(b.count)
                let results = UnsafeMutableBufferPointer<JSONLinesPart>.allocate(capacity: parts)
                defer { results.deallocate() }
                // Each part writes only its own slot.
                struct Shared: @unchecked Sendable {
                    let b: UnsafeBufferPointer<UInt8>, bounds: [Int], results: UnsafeMutableBufferPointer<JSONLinesPart>
                }
                let shared = Shared(b: b, bounds: bounds, results: results)
                DispatchQueue.concurrentPerform(iterations: parts) { k in
                    (shared.results.baseAddress! + k).initialize(to: jsonLines(shared.b, shared.bounds[k], shared.bounds[k + 1]))
                }
                var before = 0
                for k in 0..<parts {
                    out += results[k].records.map { ($0.0 + before, $0.1) }
                    problems += results[k].problems.map { ImportProblem(line: $0.line + before, field: $0.field, message: $0.message) }
                    before += results[k].lines
                }
                _ = results.deinitialize()
            }
        } else {
            let text = String(decoding: data, as: UTF8.self)
            let rows = CSV.rows(text)
            guard let header = rows.first else { throw ImportFailed(problems: [ImportProblem(line: 1, field: "header", message: "the file is empty")]) }
            let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            for n in names where !UsageRecord.keys.contains(n) {
                problems.append(ImportProblem(line: header.line, field: n, message: "unknown column"))
            }
            for r in UsageRecord.required where !names.contains(r) { problems.append(ImportProblem(line: header.line, field: r, message: "column is missing")) }
            if !problems.isEmpty { throw ImportFailed(problems: problems) }
            for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
                guard row.fields.count == names.count else {
                    problems.append(ImportProblem(line: row.line, field: "row", message: "has \(row.fields.count) fields, the header has \(names.count)")); continue
                }
                if let i = row.nulField {
                    problems.append(ImportProblem(line: row.line, field: names[i], message: Refusal.nulReason)); continue
                }
                if let r = UsageFastRead.csv(names: names, fields: row.fields) { out.append((row.line, r)); continue }
                // Rebuilt as a JSON object so CSV rows pass the same checks; numbers stay text.
                var fields: [String] = []
                for (n, v) in zip(names, row.fields) where !v.isEmpty {
                    let numeric = ["usage_measure_id", "resource_size", "size_measure_id", "usage_value"].contains(n) && StrictJSON.isValid(Array(v.utf8))
                        && v.first.map { $0.isNumber || $0 == "-" } == true
                    fields.append(Self.quote(n) + ":" + (numeric ? v : Self.quote(v)))
                }
                do {
                    out.append((row.line, try decode(Data(("{" + fields.joined(separator: ",") + "}").utf8))))
                } catch let e as ImportProblem {
                    problems.append(ImportProblem(line: row.line, field: e.field, message: e.message))
                }
            }
        }
        return (out, problems)
    }

    struct JSONLinesPart { var records: [(Int, UsageRecord)] = []; var problems: [ImportProblem] = []; var lines = 0 }

    /// The JSON Lines in `b[from..<to]` (which starts at a line start), numbered from 1;
    /// a line the fast reader declines is decoded in full.
    static func jsonLines(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> JSONLinesPart {
        var part = JSONLinesPart()
        var start = from
        while start < to {
            part.lines += 1
            let line = part.lines
            var end = start
            while end < to, b[end] != 0x0A { end += 1 }
            defer { start = end + 1 }
            var s = start, e = end
            while s < e, b[s] == 0x20 || b[s] == 0x09 || b[s] == 0x0D { s += 1 }
            while e > s, b[e - 1] == 0x20 || b[e - 1] == 0x09 || b[e - 1] == 0x0D { e -= 1 }
            if s == e { continue }
            if let r = UsageFastRead.json(b, s, e) { part.records.append((line, r)); continue }
            let trimmed = String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            do {
                part.records.append((line, try decode(Data(trimmed.utf8))))
            } catch let e as ImportProblem {
                part.problems.append(ImportProblem(line: line, field: e.field, message: e.message))
            } catch {
                part.problems.append(ImportProblem(line: line, field: "record", message: "is not a JSON object"))
            }
        }
        return part
    }

    static func quote(_ s: String) -> String {
        String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// The keys an object carries, so unknown ones can be refused by name.
    struct Keys: Decodable {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let names: [String]
        init(from decoder: any Decoder) throws { names = try decoder.container(keyedBy: Key.self).allKeys.map(\.stringValue) }
    }

    /// One record from its JSON text: strict syntax, exactly the known keys, exact decimals.
    static func decode(_ data: Data) throws -> UsageRecord {
        let verdict = StrictJSON.check(Array(data))
        guard verdict != .malformed, let keys = try? JSONDecoder().decode(Keys.self, from: data) else {
            throw ImportProblem(line: 0, field: "record", message: "is not a JSON object")
        }
        if case .nul(let field) = verdict { throw ImportProblem(line: 0, field: field, message: Refusal.nulReason) }
        for k in keys.names where !UsageRecord.keys.contains(k) { throw ImportProblem(line: 0, field: k, message: "is not a usage record key") }
        for k in UsageRecord.required where !keys.names.contains(k) { throw ImportProblem(line: 0, field: k, message: "is required") }
        do {
            return try JSONDecoder().decode(UsageRecord.self, from: data)
        } catch let e as DecodingError {
            let field: String
            switch e {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): field = WireJSON.fieldName(c.codingPath)
            case .keyNotFound(let k, _): field = k.stringValue
            @unknown default: field = "record"
            }
            throw ImportProblem(line: 0, field: field, message: WireJSON.map(e).message)
        }
    }

    /// The operator API's `{"records": [...]}`, each record held to the same rules.
    public static func parseBatch(_ data: Data) throws -> (records: [(line: Int, record: UsageRecord)], problems: [ImportProblem]) {
        struct Batch: Decodable { let records: [Raw]? }
        struct Raw: Decodable {
            let text: Data
            init(from decoder: any Decoder) throws {
                // Re-encode one record; JSONDecoder gives no raw slice, so go through a keyed copy.
                let value = try decoder.singleValueContainer().decode([String: JSONScalar].self)
                let e = JSONEncoder()
                e.outputFormatting = .sortedKeys
                text = try e.encode(value)
            }
        }
        guard StrictJSON.isValid(Array(data)), let batch = try? JSONDecoder().decode(Batch.self, from: data), let records = batch.records else {
            throw ImportFailed(problems: [ImportProblem(line: 0, field: "records", message: "must be an array of usage record objects")])
        }
        guard (1...1000).contains(records.count) else { throw ImportFailed(problems: [ImportProblem(line: 0, field: "records", message: "must list 1 to 1000 usage records")]) }
        var problems: [ImportProblem] = []
        var out: [(Int, UsageRecord)] = []
        for (i, r) in records.enumerated() {
            do { out.append((i + 1, try decode(r.text))) } catch let p as ImportProblem { problems.append(ImportProblem(line: i + 1, field: p.field, message: p.message)) }
        }
        return (out, problems)
    }
}

/// A JSON scalar kept exactly (numbers as Decimal), for re-encoding a record.
enum JSONScalar: Codable {
    case string(String), number(Decimal), bool(Bool), null
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Decimal.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "nested values are not usage record fields") }
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        }
    }
}

extension ImportProblem: Error {}
