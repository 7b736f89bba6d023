// Files that are not results files, or are of a newer format: a clear error naming the file and the
// attribute, a non-zero exit, and nothing written.
import Foundation
import SobolevStore
import Testing
import SobolevHDF5
@testable import SobolevReport

extension ReportTests {
    @Suite struct FormatErrorTests {
        @Test func fileWithoutFormatAttributeIsRefused() throws {
            let dir = try temporaryFolder()
            let path = dir + "/data.h5"
            let f = try H5File.create(path)
            try f.write("X", [1, 2, 3])
            try f.flush()
            let error = #expect(throws: ReportError.self) { try Report.make(results: path) }
            let message = "\(error!)"
            #expect(message.contains(path) && message.contains("format") && message.contains("not a sobolev results file"))
        }

        @Test func otherFormatIsRefused() throws {
            let dir = try temporaryFolder()
            let path = dir + "/dataset.h5"
            let f = try H5File.create(path)
            try f.setAttribute("format", "sobolev-dataset")
            try f.flush()
            let error = #expect(throws: ReportError.self) { try Report.make(results: path) }
            #expect("\(error!)".contains("format is \"sobolev-dataset\""))
        }

        @Test func newerFormatVersionIsRefused() throws {
            let dir = try temporaryFolder()
            let path = dir + "/future.h5"
            try TinyResultsFile.write(path, runs: [], totalRuns: 0) { try $0.setAttribute("format_version", 99) }
            let error = #expect(throws: ReportError.self) { try Report.make(results: path) }
            #expect(error == .newerFormat(file: path, version: 99, supported: 1))
            #expect("\(error!)".contains("format_version") && "\(error!)".contains(path))
        }

        @Test func notHDF5AtAll() throws {
            let dir = try temporaryFolder()
            let path = dir + "/notes.h5"
            try "hello".write(toFile: path, atomically: true, encoding: .utf8)
            let error = #expect(throws: ReportError.self) { try Report.make(results: path) }
            #expect("\(error!)".contains(path))
        }

        /// The command line: exit status 1, the message on stderr, no output folder created.
        @Test func commandExitsNonZeroAndWritesNothing() throws {
            let dir = try temporaryFolder()
            let path = dir + "/future.h5"
            try TinyResultsFile.write(path, runs: [], totalRuns: 0) { try $0.setAttribute("format_version", 2) }
            let out = dir + "/report"
            let r = try Command.run(try RealSweep.binary(), ["report", path, "--out", out])
            #expect(r.status != 0)
            #expect(r.error.contains("format_version") && r.error.contains(path))
            #expect(!FileManager.default.fileExists(atPath: out))
        }

        @Test func badBaselineWritesNothingEither() throws {
            let dir = try temporaryFolder()
            let good = dir + "/good.h5", bad = dir + "/bad.h5"
            try TinyResultsFile.write(good, runs: [TinyRun(id: "a0", configuration: "c", seed: 0, metrics: ["test_grad_rmse": 1])], totalRuns: 1)
            let f = try H5File.create(bad)
            try f.flush()
            let out = dir + "/report"
            let r = try Command.run(try RealSweep.binary(), ["report", good, "--out", out, "--baseline", bad])
            #expect(r.status != 0 && r.error.contains(bad))
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
