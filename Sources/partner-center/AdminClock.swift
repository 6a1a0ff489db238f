import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

struct ClockCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clock", abstract: "The business clock every instance shares (rating, billing, expiry).",
                                                    subcommands: [Show.self, SetTime.self, Advance.self, Reset.self])

    static func report(_ s: Database.ClockState, json: Bool) throws {
        if json { try printJSON(s) } else { print("business time \(s.now)\(s.followsRealTime ? " (real time)" : " (real time \(s.realTime), offset \(s.offsetSeconds)s)")") }
    }

    /// After a move: the clock, and what fell due on the way (run in time order).
    static func moved(_ platform: Platform, _ s: Database.ClockState, json: Bool) async throws {
        let lifecycle = try await LifecycleCommands.runDue(platform)
        if json { try printJSON(ClockMove(clock: s, lifecycle: lifecycle)); return }
        try report(s, json: false)
        if lifecycle.total > 0 { print(LifecycleCommands.summary(lifecycle)) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the business time.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws { try await guarded { try ClockCommands.report(try await storage.with { try await $0.database.clockState() }, json: json) } }
    }

    struct SetTime: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Set the business time; it runs on from there.")
        @Argument(help: "UTC time YYYY-MM-DDTHH:mm:ssZ.") var time: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws {
            try await guarded {
                guard let t = WireTime.parseUTC(time) else { throw ConfigError("TIME must look like 2026-01-31T00:00:00Z") }
                try await storage.with { p in try await ClockCommands.moved(p, try await p.database.setClock(to: t), json: json) }
            }
        }
    }

    struct Advance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move the business time forward (or back with a leading -).")
        @Argument(help: "A duration like 90m, 36h, 3d, 2w.") var duration: String
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws {
            try await guarded {
                guard let d = BusinessClock.parseDuration(duration) else { throw ConfigError("DURATION must look like 90m, 36h or 3d") }
                try await storage.with { p in try await ClockCommands.moved(p, try await p.database.setClock(advance: d), json: json) }
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow real time again.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var storage: StorageOptions
        func run() async throws { try await guarded { try ClockCommands.report(try await storage.with { try await $0.database.setClock(reset: true) }, json: json) } }
    }
}
