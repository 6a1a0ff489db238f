import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct UsageCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "usage", abstract: "Metered usage, rated into fee records and paid.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import usage records (JSON Lines, or CSV with a header row), rate them and deduct the fees.",
            discussion: "Idempotent by record_id. Any bad row refuses the whole file, every bad row named with its line and field.")
        @Argument(help: "The file.") var file: String
        @Flag(help: "Print a JSON summary {imported, duplicates, rejected}.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws { try await guarded { try await importFile() } }

        func importFile() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigError("cannot read \(file)") }
            let summary: UsageImportSummary
            var rejected = 0
            do {
                let (records, malformed) = try UsageFile.parseCollecting(data)
                let show = records.count >= 1000 || isatty(2) == 1
                if show { CatalogCommands.Import.progressBar(0, records.count) }
                let bar: @Sendable (Int, Int) -> Void = { done, all in if done < all { CatalogCommands.Import.progressBar(done, all) } }
                summary = try await storage.with { try await $0.billing.importUsage(records, malformed: malformed, progress: show ? bar : nil) }
                if show { CatalogCommands.Import.progressBar(records.count, records.count) }
            } catch let failed as ImportFailed {
                rejected = failed.problems.count
                for p in failed.problems { FileHandle.standardError.write(Data("error: \(file): \(p)\n".utf8)) }
                FileHandle.standardError.write(Data("error: nothing was imported (\(rejected) bad rows)\n".utf8))
                if json { try printJSON(UsageImportSummary(imported: 0, duplicates: 0, rejected: rejected, feeRecords: 0)) }
                throw ExitCode(1)
            }
            if json { try printJSON(summary) } else {
                print("imported \(summary.imported) usage records (\(summary.duplicates) already known), \(summary.feeRecords) fee records")
            }
        }
    }
}
