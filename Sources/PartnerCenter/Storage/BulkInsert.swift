import Foundation
import SQLKit
import SQLiteNIO

/// A value of a bulk-written row: text or integer, either possibly NULL.
enum BulkValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case text(String?)
    case int(Int64?)

    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    static func int(_ value: Int?) -> BulkValue { .int(value.map(Int64.init)) }

    var sqlite: SQLiteData {
        switch self {
        case .text(let s?): return .text(s)
        case .int(let i?): return .integer(Int(i))
        case .text(nil), .int(nil): return .null
        }
    }

    /// Typed even when NULL, so PostgreSQL can match a column's values across rows.
    var encodable: any Encodable & Sendable {
        switch self {
        case .text(let s): return s
        case .int(let i): return i
        }
    }
}

/// Rows for one table gathered by a large job and written many to a statement
/// (`INSERT ... VALUES (...), (...), ...`). At import sizes a statement per row spends far
/// more on parsing SQL and crossing to the database than on writing; this keeps the cost
/// of a row close to the cost of its data and indexes. Rows go out as soon as a
/// statement's worth has gathered, so memory stays bounded however long the job.
struct BulkInsert {
    let table: String
    let columns: [String]
    /// Rows per statement: SQLite binds at most 32766 values, PostgreSQL 65535.
    let rowsPerStatement: Int
    private var values: [BulkValue] = []
    private var statements: [Int: String] = [:]
    private(set) var written = 0
    /// When set, statements run in the background in submission order (see `WriteChain`).
    let chain: WriteChain?

    init(_ table: String, chain: WriteChain? = nil, columns: [String]) {
        precondition(!columns.isEmpty, "a row has at least one column")
        self.table = table
        self.columns = columns
        self.chain = chain
        self.rowsPerStatement = max(1, min(500, 30_000 / columns.count))
        values.reserveCapacity(rowsPerStatement * columns.count)
    }

    var pending: Int { values.count / columns.count }

    /// Adds one row, its values in `columns` order; writes a full statement's worth.
    mutating func add(_ db: any SQLDatabase, _ row: [BulkValue]) async throws {
        precondition(row.count == columns.count, "\(table): a row carries exactly its columns")
        values.append(contentsOf: row)
        if pending >= rowsPerStatement { try await flush(db) }
    }

    /// Writes what has gathered.
    mutating func flush(_ db: any SQLDatabase) async throws {
        guard !values.isEmpty else { return }
        let rows = pending
        defer { written += rows; values.removeAll(keepingCapacity: true) }
        if let session = db as? SQLiteSession {
            // SQLite: the statement text is made once per row count, values bound as they are.
            let sql = statements[rows] ?? {
                let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                return "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
            }()
            statements[rows] = sql
            // Converted in the statement's own task: off the producer's path when chained.
            let connection = session.connection, rowValues = values
            try await run { _ = try await connection.query(sql, rowValues.map(\.sqlite)) }
        } else {
            let statement = Statement(head: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES ", width: columns.count, values: values)
            try await run { try await db.execute(sql: statement) { _ in } }
        }
    }

    private func run(_ work: @escaping @Sendable () async throws -> Void) async throws {
        if let chain { try await chain.submit(work) } else { try await work() }
    }

    /// The statement through SQLKit: placeholders written straight into the serializer.
    private struct Statement: SQLExpression {
        let head: String
        let width: Int
        let values: [BulkValue]

        func serialize(to s: inout SQLSerializer) {
            s.write(head)
            for (i, v) in values.enumerated() {
                s.write(i % width == 0 ? (i == 0 ? "(" : "), (") : ", ")
                s.write(bind: v.encodable)
            }
            s.write(")")
        }
    }
}

/// Statements that run one after another in the background while their producer goes
/// on: a bulk job computes its next rows on one core while the database writes the last
/// ones on the other. Order is kept (each statement waits for the one before); at most
/// `depth` wait at a time, so memory stays bounded; the first failure fails all later
/// statements and reaches the producer at its next submit or at `drain`. The producer
/// must `drain` before its transaction ends, on success and on failure alike, so no
/// statement runs after a COMMIT or ROLLBACK.
final class WriteChain: @unchecked Sendable {
    private var tail: Task<Void, any Error>?
    private var waiting: [Task<Void, any Error>] = []
    let depth: Int

    init(depth: Int = 4) { self.depth = depth }

    func submit(_ work: @escaping @Sendable () async throws -> Void) async throws {
        let previous = tail
        let next = Task {
            try await previous?.value
            try await work()
        }
        tail = next
        waiting.append(next)
        if waiting.count > depth { try await waiting.removeFirst().value }
    }

    /// Waits for every submitted statement; throws the first failure.
    func drain() async throws {
        waiting.removeAll()
        let last = tail
        tail = nil
        try await last?.value
    }
}

/// Rows whose key is one of many given values, the values sent as one JSON array per
/// query (SQLite `json_each`, PostgreSQL `json_array_elements_text`), not one bound value
/// each: a million record ids are looked up in a few hundred cheap statements.
enum BulkLookup {
    static func rows(_ db: any SQLDatabase, backend: Database.Backend, select columns: String, from table: String, key: String,
                     in values: [String], chunk: Int = 5000) async throws -> [any SQLRow] {
        var out: [any SQLRow] = []
        for start in stride(from: 0, to: values.count, by: chunk) {
            let list = jsonArray(values[start..<min(start + chunk, values.count)])
            let source: SQLQueryString = backend == .postgres
                ? "json_array_elements_text(\(bind: list)::json) AS k(v)" : "(SELECT value AS v FROM json_each(\(bind: list))) AS k"
            out += try await db.raw("SELECT \(unsafeRaw: columns) FROM \(source) JOIN \(unsafeRaw: table) t ON t.\(unsafeRaw: key) = k.v").all()
        }
        return out
    }

    /// A JSON array of strings. Plain strings (the usual ids) are copied as they are;
    /// anything needing an escape goes through the JSON encoder.
    static func jsonArray<C: Collection>(_ values: C) -> String where C.Element == String {
        var s = "["
        for (i, v) in values.enumerated() {
            if i > 0 { s += "," }
            if v.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
                s += "\"" + v + "\""
            } else {
                s += String(decoding: (try? JSONEncoder().encode(v)) ?? Data("\"\"".utf8), as: UTF8.self)
            }
        }
        return s + "]"
    }
}

extension Array {
    /// The elements in consecutive pieces of at most `size`: how a long `IN (...)` list is
    /// sent, so each statement stays well within what SQLite and PostgreSQL bind.
    func chunked(_ size: Int = 500) -> [[Element]] {
        precondition(size > 0, "a piece holds at least one element")
        return stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
