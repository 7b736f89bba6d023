// The root attributes of a results file: which experiment, which grid, how many runs in total.
public struct SweepHeader: Sendable {
    public var file: String
    public var formatVersion: Int
    public var toolVersion: String?
    public var experimentName: String
    public var experimentDescription: String
    public var gridAxes: [String]
    public var seeds: [Int]
    /// Runs in the grid (configurations x seeds); nil when the file does not say.
    public var totalRuns: Int?
    public var created: String?
    public var updated: String?
    /// Optional cost attributes of the break-even stored at the root, by name.
    public var costs: [String: Double]
}
