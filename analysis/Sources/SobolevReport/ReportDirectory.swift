// Where a report goes: DIR/index.html, DIR/summary.md and DIR/runs.csv. Other files in DIR are
// never touched; a non-empty DIR that is not an earlier report is refused unless forced, so a typo
// in --out cannot scatter files into the wrong folder.
import Foundation

public enum ReportDirectory {
    /// Writes the report's files into `path` (created if missing); returns the paths written.
    @discardableResult
    public static func write(_ report: Report, to path: String, force: Bool = false) throws -> [String] {
        try check(path, force: force)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ReportError.outputDirectory(path: path, problem: "cannot create the folder: \(error.localizedDescription)")
        }
        return try report.files().map { file in
            let target = (path as NSString).appendingPathComponent(file.name)
            do {
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            } catch {
                throw ReportError.outputDirectory(path: target, problem: "cannot write: \(error.localizedDescription)")
            }
            return target
        }
    }

    /// Throws unless `path` is missing, empty, an earlier report, or `force` is set.
    public static func check(_ path: String, force: Bool) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw ReportError.outputDirectory(path: path, problem: "exists and is not a folder") }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        if force || contents.isEmpty || isEarlierReport(path) { return }
        throw ReportError.outputDirectory(path: path, problem: "folder is not empty and holds no earlier report (no index.html written by sobolev report); choose another --out or use --force (other files are kept)")
    }

    static func isEarlierReport(_ path: String) -> Bool {
        guard let page = try? String(contentsOfFile: (path as NSString).appendingPathComponent("index.html"), encoding: .utf8) else { return false }
        return page.contains(ReportPage.generatorMark)
    }
}
