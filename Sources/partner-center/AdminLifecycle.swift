import ArgumentParser
import Foundation
import PartnerCenter

struct LifecycleCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lifecycle", abstract: "Yearly/monthly subscriptions on the business clock: renewals, expiries, releases.",
                                                    subcommands: [Run.self])

    /// On a terminal, a running count of the events done (stderr, overwritten in place).
    static func progress() -> (@Sendable (Int) -> Void)? {
        guard isatty(2) != 0 else { return nil }
        return { done in FileHandle.standardError.write(Data("\r  lifecycle: \(done) events done".utf8)) }
    }

    static func summary(_ r: LifecycleReport) -> String {
        "lifecycle: renewed \(r.renewed), renewals failed for lack of money \(r.renewalsFailed), expired \(r.expired), frozen \(r.frozen), released \(r.released), converted to pay-per-use \(r.converted)"
    }

    /// Runs what is due on the deployment's lifecycle, with the progress shown on a terminal.
    static func runDue(_ platform: Platform) async throws -> LifecycleReport {
        let bar = progress()
        let report = try await Lifecycle.configured(platform.database).run(progress: bar)
        if bar != nil && report.total > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
        return report
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Do now what is due on the business clock (auto-renewals, expiries, grace and retention ends), and report it.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let report = try await storage.with { try await LifecycleCommands.runDue($0) }
                if json { try printJSON(report) } else { print(LifecycleCommands.summary(report)) }
            }
        }
    }
}
