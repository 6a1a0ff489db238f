import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct LedgerCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "The double-entry ledger.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Prove every balance equals its transfers, every history replays, and all accounts sum to 0. Exit 1 when not.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let report = try await storage.with { try await LedgerVerifier.verify($0.database) }
                if json { try printJSON(report) } else {
                    print("\(report.ok ? "ledger OK" : "ledger BROKEN"): \(report.accounts) accounts, \(report.transfers) transfers, sum \(report.total)")
                    for p in report.problems { print("  - \(p)") }
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}
