// Where the report may be written: a new or empty folder, an earlier report, or anything with
// --force; other files in the folder are never removed.
import Foundation
import Testing
@testable import SobolevReport

extension ReportTests {
    @Suite struct OutputDirectoryTests {
        @Test func writesTheThreeFilesIntoANewFolder() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let out = try temporaryFolder() + "/report"
            let written = try ReportDirectory.write(report, to: out)
            #expect(written.map { URL(fileURLWithPath: $0).lastPathComponent } == ["index.html", "summary.md", "runs.csv"])
            // Rewriting an earlier report is fine, and keeps the files a person added.
            try "mine".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
            try ReportDirectory.write(report, to: out)
            #expect(try String(contentsOfFile: out + "/notes.txt", encoding: .utf8) == "mine")
        }

        @Test func refusesAForeignNonEmptyFolderUnlessForced() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let out = try temporaryFolder()
            try "data".write(toFile: out + "/thesis.tex", atomically: true, encoding: .utf8)
            let error = #expect(throws: ReportError.self) { try ReportDirectory.write(report, to: out) }
            #expect("\(error!)".contains("--force"))
            #expect(!FileManager.default.fileExists(atPath: out + "/index.html"))
            try ReportDirectory.write(report, to: out, force: true)
            #expect(FileManager.default.fileExists(atPath: out + "/index.html"))
            #expect(FileManager.default.fileExists(atPath: out + "/thesis.tex"))
        }

        @Test func refusesAFile() throws {
            let report = try Report.make(results: try LeaderboardTests.tinyFile())
            let out = try temporaryFolder() + "/report"
            try "x".write(toFile: out, atomically: true, encoding: .utf8)
            #expect(throws: ReportError.self) { try ReportDirectory.write(report, to: out, force: true) }
        }
    }
}
