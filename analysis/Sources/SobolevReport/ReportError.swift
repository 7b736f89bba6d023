// Why a report could not be made. Every message names the file (and the attribute) at fault, so a
// person can act on it without reading the code.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// The file is HDF5 but not a results file (no `format` attribute, or another format).
    case notResultsFile(file: String, found: String?)
    /// The file was written by a newer sobolev in a layout this reader does not know.
    case newerFormat(file: String, version: Int, supported: Int)
    /// A required root attribute is missing or of the wrong type.
    case badAttribute(file: String, attribute: String, problem: String)
    /// The file cannot be opened or read at all.
    case unreadable(file: String, message: String)
    /// The output folder is unsuitable (a file, or a non-empty folder that is not a report).
    case outputDirectory(path: String, problem: String)

    public var description: String {
        switch self {
        case let .notResultsFile(file, found):
            let why = found.map { "root attribute format is \"\($0)\"" } ?? "root attribute format is missing"
            return "\(file): not a sobolev results file (\(why); expected format = \"sobolev-results\")"
        case let .newerFormat(file, version, supported):
            return "\(file): root attribute format_version is \(version), newer than this sobolev reads (\(supported)); update sobolev to report on it"
        case let .badAttribute(file, attribute, problem):
            return "\(file): root attribute \(attribute): \(problem)"
        case let .unreadable(file, message):
            return "\(file): \(message)"
        case let .outputDirectory(path, problem):
            return "\(path): \(problem)"
        }
    }
}
