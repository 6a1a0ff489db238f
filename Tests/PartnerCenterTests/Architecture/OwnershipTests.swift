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
        #expect(Self.writers(of: "orders", in: files) == ["Subscriptions/OrderBook.swift"])
        #expect(Self.writers(of: "order_items", in: files) == ["Subscriptions/OrderBook.swift"])
        #expect(Self.writers(of: "order_refunds", in: files) == ["Subscriptions/OrderBook.swift"])
        #expect(Self.writers(of: "order_resources", in: files) == ["Subscriptions/OrderBook.swift"])
        #expect(Self.writers(of: "renewal_configs", in: files) == ["Subscriptions/RenewalConfig.swift"])
        #expect(Self.writers(of: "order_coupons", in: files) == ["Subscriptions/OrderBook.swift"])
        #expect(Self.writers(of: "verification_codes", in: files) == ["Customers/VerificationCodes.swift"])
    }

    @Test func onlyTheEdgeSpeaksHTTP() throws {
        for f in try Self.sources() where !f.path.hasPrefix("Wire/") && !f.path.hasSuffix("Routes.swift") {
            #expect(!f.text.contains("APIError"), "\(f.path) throws or handles an HTTP error; domain code throws a Refusal")
            #expect(f.text.matches(of: /:\s*Call\b/).isEmpty, "\(f.path) takes the wire's Call; stores take typed requests")
        }
    }
}

extension OwnershipTests {
    /// Where the wire's input is checked: the routes, the checked requests and query structs,
    /// and the wire layer itself.
    static func isEdge(_ path: String) -> Bool {
        path.hasPrefix("Wire/") || path.hasSuffix("Routes.swift") || path.hasSuffix("Requests.swift") || path.hasSuffix("QueryModels.swift")
    }

    /// The JSON bodies as the SDK sends them: every Decodable struct named `…Request`, and the
    /// few bodies named otherwise.
    static func wireBodies(_ files: [(path: String, text: String)]) -> Set<String> {
        var names = Set(["LegacyCustomerQuery", "FreeResourceQuery"])
        for f in files {
            for m in f.text.matches(of: /public struct (\w+Request): (?:Codable|Decodable)/) { names.insert(String(m.1)) }
        }
        return names
    }

    @Test func storesTakeCheckedInputNeverTheWiresBodies() throws {
        let files = try Self.sources()
        let bodies = Self.wireBodies(files)
        #expect(bodies.count >= 25, "\(bodies.sorted())")
        for f in files where !Self.isEdge(f.path) {
            for m in f.text.matches(of: /func \w+(?:<[^>]*>)?\(([^)]*)\)/) {
                let parameterTypes = m.1.matches(of: /:\s*(\w+)/).map { String($0.1) }
                for t in parameterTypes where bodies.contains(t) {
                    #expect(Bool(false), "\(f.path): `\(m.0)` takes the wire body \(t); the edge checks it into a CheckedRequest first")
                }
            }
        }
    }

    @Test func everyCheckedRequestIsBuiltAtTheEdge() throws {
        // A store never builds a checked request from a wire body: that is the edge's work.
        let files = try Self.sources()
        let checked = Set(files.flatMap { f in f.text.matches(of: /public (?:struct|enum) (\w+): CheckedRequest/).map { String($0.1) } })
        #expect(checked.count >= 15, "\(checked.sorted())")
        for f in files where !Self.isEdge(f.path) && !f.path.hasPrefix("Server/") {
            for name in checked where f.text.contains("try \(name)(") || f.text.contains("try? \(name)(") {
                #expect(Bool(false), "\(f.path) checks a \(name) itself; routes do")
            }
        }
    }
}
