// Runs a program and collects its exit status and output, with a time limit (a hung browser must
// fail the test, not stall the suite).
import Foundation

struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

enum Command {
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 120) throws -> CommandResult {
        // Output goes to files, not pipes: a chatty child can never block on a full pipe.
        let dir = try temporaryFolder("command")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outPath = dir + "/stdout", errPath = dir + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.standardOutput = FileHandle(forWritingAtPath: outPath)
        p.standardError = FileHandle(forWritingAtPath: errPath)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return CommandResult(status: p.terminationStatus,
                             output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                             error: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// The first of `names` found on PATH (or given as an absolute path).
    static func find(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in names {
            if name.hasPrefix("/") { if FileManager.default.isExecutableFile(atPath: name) { return name } else { continue } }
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }
}
