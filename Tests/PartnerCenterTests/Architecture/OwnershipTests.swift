import Foundation
import Testing

/// The design's rules, checked on the source tree so that a second writer of a table, a store
/// that reads the wire, or an HTTP error thrown from domain code fails the build's tests.
struct OwnershipTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/PartnerCenter")

    /// Every Swift file of the library, by its path under Sources/PartnerCenter.
    static func sources() throws -> [(path: String, text: String)] {
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        return try files.map { (String($0.path.dropFirst(root.path.count + 1)), try String(contentsOf: $0, encoding: .utf8)) }
            .sorted { $0.path < $1.path }
    }

    static func tables(_ files: [(path: String, text: String)]) throws -> [String] {
        let migrations = try #require(files.first { $0.path == "Storage/Migrations.swift" }).text
        let dropped = Set(migrations.matches(of: /DROP TABLE (\w+)/).map { String($0.1) })
        // schema_migrations is the migrations' own record, written there alone.
        return Set(migrations.matches(of: /CREATE TABLE (?:IF NOT EXISTS )?(\w+)/).map { String($0.1) })
            .subtracting(dropped).subtracting(["schema_migrations"]).sorted()
    }

    /// The files that write `table` (SQL or a bulk insert), migrations aside.
    static func writers(of table: String, in files: [(path: String, text: String)]) -> [String] {
        files.filter { f in
            f.path != "Storage/Migrations.swift"
                && (f.text.contains("INSERT INTO \(table) ") || f.text.contains("INSERT INTO \(table)\n") || f.text.contains("UPDATE \(table) ")
                    || f.text.contains("DELETE FROM \(table) ") || f.text.contains("BulkInsert(\"\(table)\""))
        }.map(\.path)
    }

    @Test func everyTableIsWrittenByOneDomain() throws {
        let files = try Self.sources()
        let tables = try Self.tables(files)
        #expect(tables.count >= 30, "\(tables)")
        for table in tables {
            let writers = Self.writers(of: table, in: files)
            #expect(!writers.isEmpty, "\(table) has no writer")
            let domains = Set(writers.map { $0.split(separator: "/").first.map(String.init) ?? $0 })
            #expect(domains.count == 1, "\(table) is written by \(writers)")
        }
    }

    @Test func theMoneyTablesHaveOneWriterEach() throws {
        let files = try Self.sources()
        #expect(Self.writers(of: "fee_records", in: files) == ["Billing/FeeBook.swift"])
        #expect(Self.writers(of: "bill_day_sums", in: files) == ["Billing/FeeBook.swift"])
        #expect(Self.writers(of: "bill_month_sums", in: files) == ["Billing/FeeBook.swift"])
        #expect(Self.writers(of: "transfers", in: files) == ["Funds/LedgerBatch.swift"])
        #expect(Set(Self.writers(of: "ledger_accounts", in: files)) == ["Funds/Ledger.swift", "Funds/LedgerBatch.swift"])
        #expect(Self.writers(of: "customer_resources", in: files) == ["Inventory/ResourceBook.swift"])
        #expect(Self.writers(of: "settings", in: files) == ["Storage/Settings.swift"])
    }

    @Test func onlyTheEdgeSpeaksHTTP() throws {
        for f in try Self.sources() where !f.path.hasPrefix("Wire/") && !f.path.hasSuffix("Routes.swift") {
            #expect(!f.text.contains("APIError"), "\(f.path) throws or handles an HTTP error; domain code throws a Refusal")
            #expect(f.text.matches(of: /:\s*Call\b/).isEmpty, "\(f.path) takes the wire's Call; stores take typed requests")
        }
    }
}
