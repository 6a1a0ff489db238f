import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await guarded {
            try await storage.with { platform in
                print("database \(platform.database.url) is at schema version \(Migrations.all.map(\.version).max() ?? 0)")
            }
        }
    }
}
