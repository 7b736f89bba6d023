// A run's outcome as the results file stores it (attribute `status`, docs/results-format.md).

public enum RunStatus: String, Sendable, Equatable {
    case completed, failed
    /// Stopped by a search scheduler at a lower budget than the full one (stop_reason "search").
    case stopped
    /// Read back from a file whose status attribute is missing or names neither (never written here).
    case unknown

    /// The status a stored attribute names; `unknown` for anything else.
    public init(stored text: String?) { self = text.flatMap(RunStatus.init(rawValue:)) ?? .unknown }
}
