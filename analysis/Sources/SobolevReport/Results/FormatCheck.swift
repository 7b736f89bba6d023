// Is this a results file, and one of a version this reader knows? Checked before anything is read,
// so a wrong file fails with a message that names it and the attribute at fault.
import SobolevHDF5

enum FormatCheck {
    static let format = "sobolev-results"
    /// The newest format_version this reader understands. Deliberately not the writer's constant:
    /// a newer writer must not make an old reader believe it understands the new layout.
    static let newestVersion = 1

    /// Returns the file's format_version, or throws a ReportError naming the file and attribute.
    static func check(_ file: H5File) throws -> Int {
        let path = file.file
        guard file.hasAttribute("format") else { throw ReportError.notResultsFile(file: path, found: nil) }
        guard let format = try? file.scalarStringAttribute("format") else {
            throw ReportError.notResultsFile(file: path, found: "(not a string)")
        }
        guard format == FormatCheck.format else { throw ReportError.notResultsFile(file: path, found: format) }
        guard file.hasAttribute("format_version") else {
            throw ReportError.badAttribute(file: path, attribute: "format_version", problem: "missing")
        }
        guard let v = try? file.scalarDoubleAttribute("format_version"), v == v.rounded(), v >= 1 else {
            throw ReportError.badAttribute(file: path, attribute: "format_version", problem: "not a positive integer")
        }
        guard Int(v) <= FormatCheck.newestVersion else {
            throw ReportError.newerFormat(file: path, version: Int(v), supported: FormatCheck.newestVersion)
        }
        return Int(v)
    }
}
