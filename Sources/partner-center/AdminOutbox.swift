import ArgumentParser
import Foundation
import PartnerCenter

/// The sandbox's SMS outbox: every verification code "sent", which nothing delivers.
struct OutboxCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outbox", abstract: "SMS verification codes sent (nothing leaves the deployment).",
                                                    subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the messages sent, newest first.")
        @Option(help: "Only those sent to this mobile number.") var mobile: String?
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await guarded {
                let messages = try await storage.with { try await $0.verificationCodes.outbox(mobile: mobile) }
                if json { try printJSON(Outbox(messages: messages)); return }
                for m in messages {
                    print("\(m.sentAt)  \(m.mobilePhone)  scene=\(m.scene)  code=\(m.code)  expires=\(m.expiresAt)\(m.used ? "  used" : "")  \(m.text)")
                }
            }
        }
    }
}
