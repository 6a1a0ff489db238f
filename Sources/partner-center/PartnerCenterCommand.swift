import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PartnerCenter

@main
struct PartnerCenterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partner-center",
        abstract: "Huawei Cloud partner sales platform APIs (BSS), wire compatible with the official SDKs.",
        subcommands: [Serve.self, Migrate.self, Admin.self])
}

/// Options every command that touches storage takes.
struct StorageOptions: ParsableArguments {
    @Option(help: "Database URL: sqlite:PATH or postgres://user:pass@host:port/db (env PARTNER_CENTER_DATABASE).")
    var database: String = ProcessInfo.processInfo.environment["PARTNER_CENTER_DATABASE"] ?? DatabaseURL.defaultURL

    @Option(help: "File holding the base64 master key that seals secret keys (env PARTNER_CENTER_MASTER_KEY wins; SQLite default: master.key beside the database).")
    var masterKeyFile: String?

    /// Opens storage for one command and always closes it, also when the command fails
    /// (an SQLite connection must be closed before it goes away).
    func with<T>(_ body: (Platform) async throws -> T) async throws -> T {
        let platform = try await Platform.open(databaseURL: database, masterKeyFile: masterKeyFile, logger: quietLogger())
        do {
            let value = try await body(platform)
            await platform.close()
            return value
        } catch {
            await platform.close()
            throw error
        }
    }
}

func quietLogger() -> Logger {
    var l = Logger(label: "partner-center")
    l.logLevel = .warning
    return l
}

/// Runs a command body, turning any failure into one clear line on stderr and exit 1.
func guarded(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as APIError {
        FileHandle.standardError.write(Data("error: \(e.message) (\(e.code))\n".utf8))
        throw ExitCode(1)
    } catch let r as Refusal {
        FileHandle.standardError.write(Data("error: \(r.message) (\(r.rule.wire.code))\n".utf8))
        throw ExitCode(1)
    } catch let e as ConfigError {
        FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
        throw ExitCode(1)
    } catch let e as SSOFailure {
        FileHandle.standardError.write(Data("error: \(e.message)\n".utf8))
        throw ExitCode(1)
    } catch let e as ExitCode {
        throw e
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try e.encode(value), as: UTF8.self))
}
