import Foundation
import SQLKit

/// Rows for one table gathered by a large job and written many to a statement
/// (`INSERT ... VALUES (...), (...), ...`). At import sizes a statement per row spends far
/// more on parsing SQL and crossing to the database than on writing; this keeps the cost
/// of a row close to the cost of its data and indexes. Rows go out as soon as a
/// statement's worth has gathered, so memory stays bounded however long the job.
struct BulkInsert {
    let table: String
    let columns: [String]
    /// e.g. "ON CONFLICT DO NOTHING"; empty for a plain insert.
    let suffix: String
    /// Rows per statement: SQLite binds at most 32766 values, PostgreSQL 65535.
    let rowsPerStatement: Int
    private var values: [any Encodable & Sendable] = []
    private(set) var written = 0

    init(_ table: String, columns: [String], suffix: String = "") {
        precondition(!columns.isEmpty, "a row has at least one column")
        self.table = table
        self.columns = columns
        self.suffix = suffix
        self.rowsPerStatement = max(1, min(500, 30_000 / columns.count))
        values.reserveCapacity(rowsPerStatement * columns.count)
    }

    var pending: Int { values.count / columns.count }

    /// Adds one row, its values in `columns` order; writes a full statement's worth.
    mutating func add(_ db: any SQLDatabase, _ row: [any Encodable & Sendable]) async throws {
        precondition(row.count == columns.count, "\(table): a row carries exactly its columns")
        values.append(contentsOf: row)
        if pending >= rowsPerStatement { try await flush(db) }
    }

    /// Writes what has gathered.
    mutating func flush(_ db: any SQLDatabase) async throws {
        guard !values.isEmpty else { return }
        let statement = Statement(head: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES ",
                                  width: columns.count, values: values, suffix: suffix)
        written += pending
        values.removeAll(keepingCapacity: true)
        try await db.execute(sql: statement) { _ in }
    }

    /// The statement itself: placeholders written straight into the serializer, no
    /// intermediate query-string fragments per value.
    private struct Statement: SQLExpression {
        let head: String
        let width: Int
        let values: [any Encodable & Sendable]
        let suffix: String

        func serialize(to s: inout SQLSerializer) {
            s.write(head)
            for (i, v) in values.enumerated() {
                let column = i % width
                s.write(column == 0 ? (i == 0 ? "(" : "), (") : ", ")
                s.write(bind: v)
            }
            s.write(")")
            if !suffix.isEmpty { s.write(" " + suffix) }
        }
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
