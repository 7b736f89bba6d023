// Everything a results file holds, read once: the header and whatever runs `/runs` has so far.
public struct SweepResults: Sendable {
    public var header: SweepHeader
    /// Runs in id order.
    public var runs: [RunRecord]
    /// Finished runs waiting in the sibling OUT.h5.parts/ folder, not yet merged into the file.
    public var unmergedParts: Int

    public var completed: [RunRecord] { runs.filter(\.isCompleted) }
    /// Runs that failed (or whose status is unknown): not completed, and not stopped by a search.
    public var notCompleted: [RunRecord] { runs.filter { !$0.isCompleted && !$0.isStoppedBySearch } }
    /// Trials a search scheduler stopped at a lower budget (status stopped): not failures.
    public var stopped: [RunRecord] { runs.filter(\.isStoppedBySearch) }
    /// Runs of the grid not in the file: not trained yet (or still training).
    public var missing: Int? { header.totalRuns.map { max(0, $0 - runs.count) } }
}
