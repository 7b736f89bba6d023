// The one error type of experiment files and overrides.

/// A bad experiment file or override: names the file, the key and the value.
public struct ExperimentError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let key: String
    public let line: Int?
    public let message: String

    /// One line: a value's own line breaks are shown as \\n.
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key): ")\(message)"
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
