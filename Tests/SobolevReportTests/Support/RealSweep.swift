// A real results file: a small experiment trained by the built `sobolev` binary, once per test
// process and shared by the tests that need the real thing (browser rendering, the Python example).
import Foundation

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

enum RealSweep {
    /// 2 widths x 2 derivative weights x 2 seeds = 8 runs, about a second in a debug build.
    static let experiment = """
    name: report-fixture
    description: A small sweep for the report tests.
    problem:
      name: sine
      train_samples: 24
      validation_samples: 16
      test_samples: 200
    model:
      depth: 1
      width: [8, 16]
    training:
      epochs: 1500
      learning_rate: 1.0e-2
      log_every: 10
    loss:
      lambda_grad: [0, 1]
    seeds: 2
    """
    static let configurations = 4
    static let runs = 8

    /// Made on first use; every later use gets the same file (or the same failure).
    private static let made: Result<String, FixtureError> = make()

    static func resultsFile() throws -> String { try made.get() }

    /// The package's root folder (this file is Tests/SobolevReportTests/Support/RealSweep.swift).
    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The `sobolev` built beside this test bundle (swift test builds it), else in .build/debug.
    static func binary() throws -> String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sobolev").path
        for candidate in [besideTests, packageRoot + "/.build/debug/sobolev"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw FixtureError(description: "the sobolev binary is not built (looked at \(besideTests) and \(packageRoot)/.build/debug/sobolev); run `swift build --product sobolev` first")
    }

    private static func make() -> Result<String, FixtureError> {
        do {
            let dir = try temporaryFolder("real-sweep")
            let yaml = dir + "/report-fixture.yaml", out = dir + "/report-fixture.h5"
            try experiment.write(toFile: yaml, atomically: true, encoding: .utf8)
            let r = try Command.run(try binary(), ["run", yaml, "--out", out], timeout: 300)
            guard r.status == 0 else {
                return .failure(FixtureError(description: "sobolev run failed (\(r.status)): \(r.error)\(r.output)"))
            }
            return .success(out)
        } catch let e as FixtureError {
            return .failure(e)
        } catch {
            return .failure(FixtureError(description: "\(error)"))
        }
    }
}
