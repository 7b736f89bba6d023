// Where a report goes: DIR/index.html, DIR/summary.md and DIR/runs.csv. Other files in DIR are
// never touched; a non-empty DIR that is not an earlier report is refused unless forced, so a typo
// in --out cannot scatter files into the wrong folder.
import Foundation
import SobolevHDF5

public enum ReportDirectory {
    /// Writes the report's files into `path` (created if missing); returns the paths written.
    @discardableResult
    public static func write(_ report: Report, to path: String, force: Bool = false) throws -> [String] {
        try check(path, force: force)
        try checkFiles(in: path, inputs: report.inputFiles)
        try makeFolder(path)
        return try report.files().map { file in
            let target = (path as NSString).appendingPathComponent(file.name)
            do {
                try Data(file.contents.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
            } catch {
                throw ReportError.outputDirectory(path: target, problem: "cannot write: \(reason(error))")
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

    /// Throws when one of the report's files in `path` is a folder, or is one of `inputs` (the
    /// results file and the baseline, compared by file identity): neither is ever replaced.
    static func checkFiles(in path: String, inputs: [String]) throws {
        for name in Report.fileNames {
            let target = (path as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ReportError.outputDirectory(path: target, problem: "is a folder, where the report writes its \(name); choose another --out (--force never removes a folder)")
            }
            if let input = FileIdentity.input(among: inputs, replacedBy: target) {
                throw ReportError.outputDirectory(path: target, problem: "is the file the report reads (\(input)); choose another --out (--force never replaces an input)")
            }
        }
    }

    /// Creates `path` and its missing parents, saying which one could not be made and why (a
    /// file in the way, no permission), where Foundation says only "error 512".
    static func makeFolder(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw ReportError.outputDirectory(path: path, problem: "cannot create the folder: \(prefix) is a file") }
                continue
            }
            guard mkdir(prefix, 0o777) == 0 || errno == EEXIST else {
                throw ReportError.outputDirectory(path: path, problem: "cannot create the folder \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The system's reason for a failed file operation ("Permission denied"), not Foundation's
    /// wrapper around it ("The operation could not be completed ... error 512").
    static func reason(_ error: Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return error.localizedDescription
    }

    static func isEarlierReport(_ path: String) -> Bool {
        guard let page = try? String(contentsOfFile: (path as NSString).appendingPathComponent("index.html"), encoding: .utf8) else { return false }
        return page.contains(ReportPage.generatorMark)
    }
}
