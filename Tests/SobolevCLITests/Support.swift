// Running the real `sobolev` binary, mpirun and h5dump from tests.
import Foundation
import Testing

/// The `sobolev` executable built next to this test bundle (or $SOBOLEV_BIN).
let sobolevBinary: String = {
    if let env = ProcessInfo.processInfo.environment["SOBOLEV_BIN"] { return env }
    // The test bundle lives in the build products folder, next to the executable.
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("sobolev").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/sobolev").path
}()

/// The package's root folder (for experiments/ and cluster/).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
}

/// Finds an executable on PATH (or the usual Debian places).
func which(_ name: String) -> String {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin"
    for dir in path.split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return name
}

/// Runs a program to completion in `directory`, with extra environment variables.
@discardableResult
func run(_ executable: String, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
         unset: [String] = [], timeout: Double = 300) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    for k in unset { env[k] = nil }
    p.environment = env
    // Output goes to files: no pipe can fill up and block the child.
    let base = NSTemporaryDirectory() + "sobolev-proc-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)   // FileHandle below fails without them
    _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
    defer { try? FileManager.default.removeItem(atPath: base + ".out"); try? FileManager.default.removeItem(atPath: base + ".err") }
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
    try p.run()
    // A hung job must fail the test, not hang the suite.
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    let timedOut = p.isRunning
    if timedOut { kill(-p.processIdentifier, SIGKILL); p.terminate(); usleep(200_000); kill(p.processIdentifier, SIGKILL) }
    p.waitUntilExit()
    if timedOut { Issue.record("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s") }
    let outData = FileManager.default.contents(atPath: base + ".out") ?? Data()
    let errData = FileManager.default.contents(atPath: base + ".err") ?? Data()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

func sobolev(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
    try run(sobolevBinary, arguments, in: directory)
}

/// mpirun as root on a 2-core machine: allow root and oversubscription.
func mpirun(_ ranks: Int, _ arguments: [String], in directory: String? = nil, timeout: Double = 300) throws -> ProcessResult {
    try run(which("mpirun"), mpirunArguments(ranks) + arguments, in: directory, timeout: timeout)
}

func mpirunArguments(_ ranks: Int) -> [String] {
    ["--oversubscribe", "--allow-run-as-root", "-np", "\(ranks)", "-x", "OPENBLAS_NUM_THREADS=1"]
}

/// A fresh empty folder under the system's temporary directory.
func scratchFolder(_ name: String = #function) -> String {
    // Unique per call: tests of different suites may share a function name.
    let dir = NSTemporaryDirectory() + "sobolev-cli-\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.removeItem(atPath: dir)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A small, fast experiment (sine, a few hundred epochs).
let tinyExperiment = """
name: tiny
problem:
  name: sine
  train_samples: 20
  validation_samples: 10
  test_samples: 50
model:
  depth: 2
  width: 8
training:
  epochs: 200
  learning_rate: 0.01
loss:
  lambda_grad: [0, 1]
seeds: 1
"""
