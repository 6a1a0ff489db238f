import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct CatalogCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "catalog", abstract: "The product catalog and price book.", subcommands: [Import.self, Export.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import service/resource/usage types and products with price plans (JSON document, or CSV of products with a header row).",
            discussion: "Every bad row is reported with its line and field, and a file with any bad row changes nothing.")
        @Argument(help: "The file to import.") var file: String
        @Flag(help: "Print a JSON summary.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded { try await importFile() }
        }

        func importFile() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ConfigError("cannot read \(file)") }
            let doc: CatalogDocument
            let summary: CatalogImport.Summary
            do {
                doc = try CatalogImport.parse(data)
                let total = doc.products?.count ?? 0
                let progress: (@Sendable (Int, Int) -> Void)? = (total >= 1000 || isatty(2) == 1) ? Self.progressBar : nil
                summary = try await storage.with { platform in try await CatalogImport.apply(doc, to: platform.database, progress: progress) }
            } catch let failed as ImportFailed {
                for p in failed.problems { FileHandle.standardError.write(Data("error: \(file): \(p)\n".utf8)) }
                FileHandle.standardError.write(Data("error: nothing was imported (\(failed.problems.count) problems)\n".utf8))
                throw ExitCode(1)
            }
            if json { try printJSON(summary) } else {
                print("imported \(summary.products) products (\(summary.pricePlans) price plans), \(summary.serviceTypes) service types, \(summary.resourceTypes) resource types, \(summary.usageTypes) usage types")
            }
        }

        @Sendable static func progressBar(_ done: Int, _ all: Int) {
            let width = 30
            let filled = all == 0 ? width : done * width / all
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\rimporting [\(bar)] \(done)/\(all)".utf8))
            if done == all { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export the catalog and price book in the import format.")
        @Option(help: "json | csv (csv holds the products only)") var format = "json"
        @Option(help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                guard format == "json" || format == "csv" else { throw ConfigError("--format must be json or csv") }
                let doc = try await storage.with { try await CatalogImport.export($0.database) }
                let text: String
                if format == "csv" { text = CatalogImport.csv(doc) } else {
                    let e = JSONEncoder()
                    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    text = String(decoding: try e.encode(doc), as: UTF8.self) + "\n"
                }
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else { throw ConfigError("cannot write \(output)") }
                } else {
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            }
        }
    }
}
