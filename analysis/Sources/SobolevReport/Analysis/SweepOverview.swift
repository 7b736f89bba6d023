// The sweep at a glance, as numbers: how far it got, on how many ranks, at what cost.
public struct SweepOverview: Sendable {
    public var completed: Int
    public var failed: Int
    /// Trials a search scheduler stopped at a lower budget.
    public var stopped: Int
    /// total_runs - stored runs; nil when the file has no total_runs.
    public var missing: Int?
    public var total: Int?
    public var ranksUsed: [Int]
    /// Sum of wall_time over all stored runs (the compute the sweep has cost so far).
    public var totalWallTime: Double
    /// Values each grid axis takes in the stored runs, in axis order.
    public var axisValues: [(axis: String, values: [String])]
    public var unmergedParts: Int

    public init(_ sweep: SweepResults) {
        completed = sweep.completed.count
        failed = sweep.notCompleted.count
        stopped = sweep.stopped.count
        missing = sweep.missing
        total = sweep.header.totalRuns
        ranksUsed = Array(Set(sweep.runs.compactMap(\.ranks))).sorted()
        totalWallTime = sweep.runs.compactMap(\.wallTime).filter(\.isFinite).reduce(0, +)
        axisValues = sweep.header.gridAxes.map { axis in
            let values = sweep.runs.compactMap { $0.hyperparameters[axis] }
            // An axis of lists (model.hidden) stores a one-element list as a scalar attribute:
            // shown as the list it is, as the run labels show it.
            let lists = values.contains { if case .numbers = $0 { return true }; if case .texts = $0 { return true }; return false }
            var seen: [String] = []
            for v in values.sorted(by: SweepOverview.ascending) {
                var shown = v.display
                if lists, case .number = v { shown = "[" + shown + "]" }
                if lists, case .text = v { shown = "[" + shown + "]" }
                if !seen.contains(shown) { seen.append(shown) }
            }
            return (axis, seen)
        }
        unmergedParts = sweep.unmergedParts
    }

    /// Numbers by value, everything else by text.
    static func ascending(_ a: AttributeValue, _ b: AttributeValue) -> Bool {
        if let x = a.number, let y = b.number { return x < y }
        return a.display < b.display
    }
}
